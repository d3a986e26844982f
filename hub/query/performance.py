"""Reads of performance data: observations, assessments, flags; always current rows.

Every statement carries the policy's row filter, so the database returns only what the
principal may receive. Nested lists are fetched for all parents in one statement.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    Table,
    func,
    or_,
    select,
    type_coerce,
)

from hub.authz import Action, Kind
from hub.models import (
    Agreement,
    AgreementVersion,
    Assessment,
    Authority,
    Flag,
    Indicator,
    Observation,
    Region,
)
from hub.query.bound import BUILT, among, count, fields_of, listed, param, set_fields
from hub.query.bound import values as bound_values
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

OBSERVATION: Table = Observation.__table__  # type: ignore[assignment]
ASSESSMENT: Table = Assessment.__table__  # type: ignore[assignment]
FLAG: Table = Flag.__table__  # type: ignore[assignment]
_AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
_REGION: Table = Region.__table__  # type: ignore[assignment]
_INDICATOR: Table = Indicator.__table__  # type: ignore[assignment]
# An observation as the API serves it (and its access record counts it): every column but the
# batch and the supersession ones, which no node shows; each datetime read costs its
# conversion, 2,720 times in a region's panel.
_NOT_SERVED = frozenset({"batch_id", "supersedes_id", "superseded_at"})


def as_stored(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """An enum column read as its stored text: equal to the StrEnum member, and served the
    same by GraphQL, without a conversion per row (a panel has thousands)."""
    return type_coerce(column, String).label(column.key)


def _served(table: FromClause) -> list[ColumnElement[Any]]:
    return [as_stored(c) if c.name == "status" else c for c in table.c if c.name not in _NOT_SERVED]


OBSERVATION_NODE = _served(OBSERVATION)
_SHOWN = OBSERVATION.alias("shown")  # the rows a statement reads by id, once chosen
_SHOWN_NODE = _served(_SHOWN)
Columns = frozenset[str] | None  # the observation columns to read (None: every one served)


def observation_node(
    columns: Columns, node: list[ColumnElement[Any]] = OBSERVATION_NODE
) -> list[ColumnElement[Any]]:
    """The columns of an observation to read: those named, or every one served. A page whose
    selection is known (hub.query.nodes_json.columns) reads only what it shows."""
    if columns is None:
        return node
    return [c for c in node if c.key in columns]


@dataclass(frozen=True, slots=True)
class ObservationFilter:
    authorities: tuple[str, ...] | None = None  # GSS or three-letter codes
    region: str | None = None
    indicators: tuple[str, ...] | None = None
    period_from: date | None = None  # on period_start, inclusive
    period_to: date | None = None
    status: str | None = None
    as_of: datetime | None = None  # the values current at that moment (history kept by ingest)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    authorities: tuple[str, ...] | None = None
    region: str | None = None
    kind: str | None = None  # assessment framework or flag kind


def _authority_conditions(
    column: ColumnElement[int],
    codes: tuple[str, ...] | ColumnElement[Any] | None,
    region: str | ColumnElement[Any] | None,
) -> list[ColumnElement[bool]]:
    """Restrict `column` (an authority id) to the given codes and/or region (values, or
    parameters), as subqueries."""
    conditions: list[ColumnElement[bool]] = []
    if codes is not None:
        by_code = among(_AUTHORITY.c.gss_code, codes) | among(_AUTHORITY.c.code, codes)
        conditions.append(column.in_(select(_AUTHORITY.c.id).where(by_code)))
    if region is not None:
        in_region = (
            select(_AUTHORITY.c.id)
            .join(_REGION, _REGION.c.id == _AUTHORITY.c.region_id)
            .where(_REGION.c.code == region)
        )
        conditions.append(column.in_(in_region))
    return conditions


def current_as_of(
    table: Table, as_of: datetime | ColumnElement[Any] | None
) -> list[ColumnElement[bool]]:
    """Rows current now; or, as of a moment, received by then and not superseded by then."""
    if as_of is None:
        return [table.c.superseded_at.is_(None)]
    not_yet = or_(table.c.superseded_at.is_(None), table.c.superseded_at > as_of)
    return [table.c.received_at <= as_of, not_yet]


def observation_conditions(
    reader: Reader, f: ObservationFilter, *, bound: bool = False, array: bool = True
) -> list[ColumnElement[bool]]:
    """The conditions of `f`; `bound`: with named parameters in place of its values (see
    hub.query.bound), which the statement is given as `bound.values(bound.fields_of(f))`,
    lists as arrays or (`array=False`, SQLite) JSON texts."""

    def value(name: str) -> Any:
        given = getattr(f, name)
        if not bound or given is None:
            return given
        return listed(name, String(), array=array) if isinstance(given, tuple) else param(name)

    conditions: list[ColumnElement[bool]] = [
        *current_as_of(OBSERVATION, value("as_of")),
        reader.may_read(Kind.OBSERVATION, OBSERVATION),
    ]
    conditions += _authority_conditions(
        OBSERVATION.c.authority_id, value("authorities"), value("region")
    )
    if f.indicators is not None:
        codes = select(_INDICATOR.c.id).where(among(_INDICATOR.c.code, value("indicators")))
        conditions.append(OBSERVATION.c.indicator_id.in_(codes))
    if f.period_from is not None:
        conditions.append(OBSERVATION.c.period_start >= value("period_from"))
    if f.period_to is not None:
        conditions.append(OBSERVATION.c.period_start <= value("period_to"))
    if f.status is not None:
        conditions.append(OBSERVATION.c.status == value("status"))
    return conditions


async def observations(
    reader: Reader, f: ObservationFilter, page: PageRequest, columns: Columns = None
) -> Page[Row[Any]]:
    """A page of the observations `f` selects, in id order; built once for each shape of
    request, as observations_of_authorities is."""
    array = reader.takes_arrays
    after = page.after is not None
    decisions = reader.read_decisions(Kind.OBSERVATION)
    key = ("observations", decisions, set_fields(f), after, columns, array)
    stmt = BUILT.get(key, lambda: _observations_paged(reader, f, after, columns, array))
    given = {**fields_of(f), "read": page.first + 1, "after": page.after}
    return await reader.page_of_records(Kind.OBSERVATION, stmt, page, bound_values(given))


def _observations_paged(
    reader: Reader, f: ObservationFilter, after: bool, columns: Columns, array: bool
) -> Select[Any]:
    stmt = _bound_observations(reader, f, after, columns, array)
    return stmt.order_by(OBSERVATION.c.id).limit(count("read"))


def _bound_observations(
    reader: Reader,
    f: ObservationFilter,
    after: bool,
    columns: Columns,
    array: bool,
    *more: ColumnElement[bool],
) -> Select[Any]:
    """The observations `f` (and `more`) select, past the cursor if any, with the versions
    behind them: named parameters for every value (hub.query.bound)."""
    stmt = select(*observation_node(columns)).where(
        *more, *_bound_conditions(reader, f, after, array)
    )
    return reader.with_versions(Kind.OBSERVATION, OBSERVATION, stmt)


def _bound_conditions(
    reader: Reader, f: ObservationFilter, after: bool, array: bool
) -> list[ColumnElement[bool]]:
    """The conditions of `f` with named parameters, and past the cursor if any."""
    conditions = observation_conditions(reader, f, bound=True, array=array)
    if after:
        conditions.append(OBSERVATION.c.id > param("after"))
    return conditions


async def observations_of_authorities(
    reader: Reader,
    authority_ids: Sequence[int],
    f: ObservationFilter,
    page: PageRequest,
    columns: Columns = None,
) -> dict[int, Page[Row[Any]]]:
    """Observations of many authorities at once, a page each (absent: none); only the rows
    sent are noted, not each page's look-ahead row. Built once for each shape of request
    (hub.query.bound): built and keyed anew, it took about 1.3 ms of SQLite's panel."""
    array = reader.takes_arrays
    after = page.after is not None
    decisions = reader.read_decisions(Kind.OBSERVATION)
    key = ("observations_of_authorities", decisions, set_fields(f), after, columns, array)
    stmt = BUILT.get(key, lambda: _of_authorities_paged(reader, f, after, columns, array))
    given = {
        **fields_of(f),
        "authority_ids": authority_ids,
        "read": page.first + 1,
        "after": page.after,
    }
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in await reader.rows(stmt, bound_values(given)):
        grouped[row.authority_id].append(row)
    pages = {authority: to_page(rows, page) for authority, rows in grouped.items()}
    for found in pages.values():
        reader.notes.note(Kind.OBSERVATION, found.rows)
    return pages


def _of_authorities_paged(
    reader: Reader, f: ObservationFilter, after: bool, columns: Columns, array: bool
) -> Select[Any]:
    """At most `read` rows per authority (a page and one more), all in one statement."""
    if not array:
        return _of_each_authority(reader, f, after, columns)
    o = OBSERVATION
    ids = among(o.c.authority_id, listed("authority_ids", Integer(), array=array))
    stmt = _bound_observations(reader, f, after, columns, array, ids)
    rank = func.row_number().over(partition_by=o.c.authority_id, order_by=o.c.id).label("rank")
    ranked = stmt.add_columns(rank).subquery()
    return (
        select(*(ranked.c[c.name] for c in stmt.selected_columns))
        .where(ranked.c.rank <= count("read"))
        .order_by(ranked.c.authority_id, ranked.c.id)
    )


def _of_each_authority(
    reader: Reader, f: ObservationFilter, after: bool, columns: Columns
) -> Select[Any]:
    """SQLite: each listed authority's first `read` rows chosen by a subquery of its own
    (correlated with the list, as SQLite has no LATERAL), then read by id. Numbering every
    row with a window, as above, copied each into a buffer first: 3 ms of the region panel's
    8 in sqlite3 alone."""
    o = OBSERVATION
    listed_ids = func.json_each(listed("authority_ids", Integer(), array=False))
    chosen = select(listed_ids.table_valued("value").c.value).distinct().subquery("chosen")
    firsts = (
        select(o.c.id)
        .where(o.c.authority_id == chosen.c.value, *_bound_conditions(reader, f, after, False))
        .order_by(o.c.id)
        .limit(count("read"))
        .correlate(chosen)
    )
    shown = select(*observation_node(columns, _SHOWN_NODE)).select_from(
        chosen.join(_SHOWN, _SHOWN.c.id.in_(firsts))
    )
    stmt = reader.with_versions(Kind.OBSERVATION, o, shown, _SHOWN.c.authority_id)
    return stmt.order_by(_SHOWN.c.authority_id, _SHOWN.c.id)


def _record_conditions(
    reader: Reader, table: Table, kind: Kind, f: RecordFilter, kind_column: str
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        table.c.superseded_at.is_(None),
        reader.may_read(kind, table),
    ]
    conditions += _authority_conditions(table.c.authority_id, f.authorities, f.region)
    if f.kind is not None:
        conditions.append(table.c[kind_column] == f.kind)
    return conditions


async def assessments(reader: Reader, f: RecordFilter, page: PageRequest) -> Page[Row[Any]]:
    conditions = _record_conditions(reader, ASSESSMENT, Kind.ASSESSMENT, f, "framework")
    stmt = reader.with_versions(Kind.ASSESSMENT, ASSESSMENT, select(ASSESSMENT).where(*conditions))
    return await reader.page_of_records(Kind.ASSESSMENT, keyset(stmt, ASSESSMENT.c.id, page), page)


async def flags(reader: Reader, f: RecordFilter, page: PageRequest) -> Page[Row[Any]]:
    stmt = select(FLAG).where(*_record_conditions(reader, FLAG, Kind.FLAG, f, "kind"))
    stmt = reader.with_versions(Kind.FLAG, FLAG, stmt)
    return await reader.page_of_records(Kind.FLAG, keyset(stmt, FLAG.c.id, page), page)


@dataclass(frozen=True, slots=True)
class _Listed:
    """How an authority's list of records is read (Authority.assessments, Authority.flags)."""

    table: Table
    kind: str  # the column of the framework or flag kind, which the list may be narrowed to
    dated: str  # oldest first by this date
    # The columns the GraphQL type shows, and the keys the access record counts; not the
    # batch, the time received nor the supersession, which the type does not show.
    shown: tuple[str, ...]


_LISTED = {
    Kind.ASSESSMENT: _Listed(
        ASSESSMENT,
        "framework",
        "published_on",
        (
            *("id", "authority_id", "source_id", "status", "framework", "period"),
            *("score", "judgement", "direction_of_travel", "published_on"),
        ),
    ),
    Kind.FLAG: _Listed(
        FLAG,
        "kind",
        "raised_on",
        (
            *("id", "authority_id", "source_id", "status", "kind", "title"),
            *("detail", "raised_on", "lifted_on"),
        ),
    ),
}


async def assessments_of_authorities(
    reader: Reader, authority_ids: Sequence[int], framework: str | None
) -> Sequence[Row[Any]]:
    return await _of_authorities(reader, Kind.ASSESSMENT, authority_ids, framework)


async def flags_of_authorities(
    reader: Reader, authority_ids: Sequence[int], kind: str | None
) -> Sequence[Row[Any]]:
    return await _of_authorities(reader, Kind.FLAG, authority_ids, kind)


async def _of_authorities(
    reader: Reader, kind: Kind, authority_ids: Sequence[int], of_kind: str | None
) -> Sequence[Row[Any]]:
    """The current records of many authorities (of one framework or flag kind, or all),
    oldest first. Built once for each caller's decisions (hub.query.bound): built and keyed
    anew, the statement took a third of a region overview's read (1.1 of 3.4 ms)."""
    array = reader.takes_arrays
    key = ("of_authorities", kind, reader.read_decisions(kind), of_kind is not None, array)
    stmt = BUILT.get(key, lambda: _of_authorities_statement(reader, kind, of_kind, array))
    given = {"authority_ids": authority_ids, "kind": of_kind}
    return await reader.records(kind, stmt, bound_values(given))


def _of_authorities_statement(
    reader: Reader, kind: Kind, of_kind: str | None, array: bool
) -> Select[Any]:
    listed_as = _LISTED[kind]
    table = listed_as.table
    conditions = [
        among(table.c.authority_id, listed("authority_ids", Integer(), array=array)),
        table.c.superseded_at.is_(None),
        reader.may_read(kind, table),
    ]
    if of_kind is not None:
        conditions.append(table.c[listed_as.kind] == param("kind"))
    stmt = select(*(table.c[n] for n in listed_as.shown)).where(*conditions)
    return reader.with_versions(kind, table, stmt).order_by(table.c[listed_as.dated], table.c.id)


async def grants_of(
    reader: Reader, kind: Kind, table: Table, ids: Sequence[int]
) -> Sequence[Row[Any]]:
    """For each visible record, the agreement version that grants it to the caller (records a
    rule grants without an agreement are absent)."""
    granted = reader.gate.granted_by(Action.READ, kind, table).label("version_id")
    visible = (
        select(table.c.id, granted)
        .where(table.c.id.in_(ids), reader.may_read(kind, table))
        .subquery()
    )
    stmt = (
        select(visible.c.id, Agreement.reference, AgreementVersion.version, AgreementVersion.state)
        .join(AgreementVersion, AgreementVersion.id == visible.c.version_id)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
    )
    return await reader.rows(stmt)


RECORD_TABLES: dict[Kind, Table] = {
    Kind.OBSERVATION: OBSERVATION,
    Kind.ASSESSMENT: ASSESSMENT,
    Kind.FLAG: FLAG,
}


async def record_by_id(reader: Reader, kind: Kind, record_id: int) -> Row[Any] | None:
    """One record, current or superseded, if the caller may receive it: the same policy as
    the lists, so a record the caller may not see is simply not found."""
    table = RECORD_TABLES[kind]
    stmt = select(table).where(table.c.id == record_id, reader.may_read(kind, table))
    found = await reader.records(kind, stmt)
    return found[0] if found else None
