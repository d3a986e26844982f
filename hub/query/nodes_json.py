"""Pages of observations written as JSON by PostgreSQL, for selections it can answer
exactly.

The same rows as hub.query.performance.observations_of_authorities (the same conditions, the
policy's row filter in the same statement, a page per authority in id order, only the rows
sent counted for the access record), but PostgreSQL writes each page's `nodes` as JSON text,
which goes into the response as it is. A region's panel as objects is 2,720 nodes of four
fields and an indicator each: completing them in Python took longer than finding them.

The same holds for a page of Query.observations. Only a connection asking for `nodes` once, of
the plain fields below (see hub.query.written), and perhaps `pageInfo`, takes this way;
`edges` and anything else take the Python path. SQLite cannot write these lists in order;
it writes the same selections in Python instead (hub.query.nodes_py).

Each statement is built once for each shape of request (hub.query.bound).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, Integer, Select, Text, cast, func, select, true
from strawberry.types.nodes import SelectedField

from hub.authz import Kind
from hub.query import bound, written
from hub.query.pages import PageRequest
from hub.query.performance import (
    OBSERVATION,
    ObservationFilter,
    observation_conditions,
    observation_node,
)
from hub.query.reader import Reader
from hub.query.reference import AUTHORITY, INDICATOR
from hub.query.written import AUTHORITY_FIELDS, INDICATOR_FIELDS, Column

# GraphQL field of Observation -> its value, from the observation's row
NODE_FIELDS: dict[str, Column] = {
    "id": lambda o: cast(o.id, Text),  # an ID is written as a string
    "period": lambda o: o.period,
    "periodStart": lambda o: o.period_start,
    "periodEnd": lambda o: o.period_end,
    "value": lambda o: o.value,
    "target": lambda o: o.target,
    "status": lambda o: func.upper(o.status),
    written.TYPENAME: written.typename("Observation"),
}
_CONNECTION_FIELDS = {"nodes", "pageInfo", written.TYPENAME}  # the last two answered as usual
# GraphQL field of Observation -> the observation column it shows (a nested object: its id)
NODE_COLUMNS = {
    "id": "id",
    "period": "period",
    "periodStart": "period_start",
    "periodEnd": "period_end",
    "value": "value",
    "target": "target",
    "status": "status",
    "indicator": "indicator_id",
    "authority": "authority_id",
}
# Read whatever the selection: the page's keys, and what the access record counts.
_KEYS = ("id", "authority_id", "source_id", "indicator_id")


@dataclass(frozen=True, slots=True)
class Shape:
    """The fields a connection's nodes ask for, in their order (the response keeps it)."""

    fields: tuple[str, ...]  # NODE_FIELDS names, "indicator" and "authority"
    indicator: tuple[str, ...] = ()  # INDICATOR_FIELDS names
    authority: tuple[str, ...] = ()  # AUTHORITY_FIELDS names


@dataclass(frozen=True, slots=True)
class WrittenPage:
    nodes: str  # a JSON list
    end_id: int | None  # the last node's id, for pageInfo's cursor
    has_next: bool


NO_PAGE = WrittenPage("[]", None, False)


def columns(shape: Shape) -> frozenset[str]:
    """The observation columns a page of `shape` reads (here, and on SQLite in the Python
    path): only these, since each column more is carried through the ranking, and on SQLite
    converted, on every row (a panel's dates and times: 0.6 of PostgreSQL's 8 ms statement,
    a fifth of SQLite's whole request)."""
    return frozenset((*_KEYS, *(NODE_COLUMNS[f] for f in shape.fields if f in NODE_COLUMNS)))


def shape_of(field: SelectedField) -> Shape | None:
    """The shape of an `observations` connection's selection, or None if it is not plain.
    pageInfo is answered from the page as usual, so any selection of it will do."""
    connection = [s for s in field.selections if isinstance(s, SelectedField)]
    if len(connection) != len(field.selections) or any(
        s.name not in _CONNECTION_FIELDS or s.alias or s.directives for s in connection
    ):
        return None
    chosen = [s for s in connection if s.name == "nodes"]
    if len(chosen) != 1:
        return None
    nodes = chosen[0].selections
    fields = written.plain(nodes, {*NODE_FIELDS, "indicator", "authority"})
    if not fields:
        return None
    indicator = (
        written.nested(nodes, "indicator", INDICATOR_FIELDS) if "indicator" in fields else ()
    )
    authority = (
        written.nested(nodes, "authority", AUTHORITY_FIELDS) if "authority" in fields else ()
    )
    if indicator is None or authority is None:
        return None
    return Shape(fields, indicator, authority)


async def of_authorities(
    reader: Reader,
    authority_ids: Sequence[int],
    f: ObservationFilter,
    page: PageRequest,
    shape: Shape,
) -> dict[int, WrittenPage]:
    """Each authority's page (absent: no rows), its nodes in id order."""
    after = page.after is not None
    key = ("pages", written.decisions(reader), shape, bound.set_fields(f), after)
    stmt = bound.BUILT.get(key, lambda: _per_authority(reader, f, shape, after))
    given = {**bound.fields_of(f), "authority_ids": authority_ids, **_page_values(page)}
    found: dict[int, WrittenPage] = {}
    sent: Counter[tuple[int, int]] = Counter()
    granted: dict[int, int | None] = {}
    for row in await reader.rows(stmt, bound.values(given)):
        found[row.authority_id] = WrittenPage(row.nodes, row.end_id, row.has_next)
        written.count_owners(row.counted, sent, granted)
    reader.notes.add(Kind.OBSERVATION, sent, granted)
    return found


async def of_filter(
    reader: Reader, f: ObservationFilter, page: PageRequest, shape: Shape
) -> WrittenPage:
    """One page of the observations `f` selects, in id order (Query.observations)."""
    after = page.after is not None
    key = ("page", written.decisions(reader), shape, bound.set_fields(f), after)
    stmt = bound.BUILT.get(key, lambda: _in_all(reader, f, shape, after))
    rows = await reader.rows(stmt, bound.values({**bound.fields_of(f), **_page_values(page)}))
    row = rows[0]
    sent: Counter[tuple[int, int]] = Counter()
    granted: dict[int, int | None] = {}
    written.count_owners(row.counted, sent, granted)
    reader.notes.add(Kind.OBSERVATION, sent, granted)
    return WrittenPage(row.nodes, row.end_id, bool(row.has_next))


# The page's parameters: its size, the rows read (the page and one more, to learn of a next
# page) and the cursor's id, if any.
_FIRST, _READ = bound.count("first"), bound.count("read")


def _page_values(page: PageRequest) -> dict[str, Any]:
    return {"first": page.first, "read": page.first + 1, "after": page.after}


def _per_authority(reader: Reader, f: ObservationFilter, shape: Shape, after: bool) -> Select[Any]:
    o = OBSERVATION
    rank = func.row_number().over(partition_by=o.c.authority_id, order_by=o.c.id)
    numbered = select(*observation_node(columns(shape)), rank.label("rank")).where(
        bound.among(o.c.authority_id, bound.listed("authority_ids", Integer())),
        *observation_conditions(reader, f, bound=True),
    )
    return _statement(reader, _ranked(numbered, after), shape, per_authority=True)


def _in_all(reader: Reader, f: ObservationFilter, shape: Shape, after: bool) -> Select[Any]:
    o = OBSERVATION
    rank = func.row_number().over(order_by=o.c.id)
    numbered = (
        select(*observation_node(columns(shape)), rank.label("rank"))
        .where(*observation_conditions(reader, f, bound=True))
        .order_by(o.c.id)
        .limit(_READ)  # the keyset index stops the scan there
    )
    return _statement(reader, _ranked(numbered, after), shape, per_authority=False)


def _statement(reader: Reader, ranked: CTE, shape: Shape, *, per_authority: bool) -> Select[Any]:
    """One row per authority with rows (or one row in all): the page's nodes as a JSON list,
    the last node's id, whether a row lies beyond the page, and the page's rows counted by
    authority and source, with the agreement versions behind them."""
    on_page = ranked.c.rank <= _FIRST
    key = [ranked.c.authority_id] if per_authority else []
    pages = (
        select(
            *key,
            written.json_list(_node(ranked, shape), ranked.c.id, only=on_page).label("nodes"),
            func.max(ranked.c.id).filter(on_page).label("end_id"),
            (func.max(ranked.c.rank) > _FIRST).label("has_next"),
        )
        .select_from(_joined(reader, ranked, shape))
        .group_by(*key)
        .subquery("pages")
    )
    sent = select(ranked.c.authority_id, ranked.c.source_id).where(on_page).subquery("sent")
    versions = reader.versions_beside(Kind.OBSERVATION, OBSERVATION)
    counted = written.owners(sent, versions, per_authority=per_authority)
    joined = counted.c.authority_id == pages.c.authority_id if per_authority else true()
    return select(pages, counted.c.counted).outerjoin_from(pages, counted, joined)


def _ranked(numbered: Select[Any], after: bool) -> CTE:
    """The rows of the page (or of each authority's page), and the one after it, with their
    rank in id order: read once, for the nodes and for the access record."""
    if after:
        numbered = numbered.where(OBSERVATION.c.id > bound.param("after"))
    inner = numbered.subquery("numbered")
    return select(inner).where(inner.c.rank <= _READ).cte("ranked")


def _node(ranked: CTE, shape: Shape) -> ColumnElement[str]:
    members: dict[str, ColumnElement[str]] = {}
    for name in shape.fields:
        if name == "indicator":
            members[name] = written.json_object(
                {n: written.json_value(INDICATOR_FIELDS[n](INDICATOR.c)) for n in shape.indicator}
            )
        elif name == "authority":
            members[name] = written.json_object(
                {n: written.json_value(AUTHORITY_FIELDS[n](AUTHORITY.c)) for n in shape.authority}
            )
        else:
            members[name] = written.json_value(NODE_FIELDS[name](ranked.c))
    return written.json_object(members)


def _joined(reader: Reader, ranked: CTE, shape: Shape) -> Any:
    """The ranked rows with the reference rows their nodes show (which the caller may read)."""
    joined: Any = ranked
    if "indicator" in shape.fields:
        joined = joined.join(
            INDICATOR, (INDICATOR.c.id == ranked.c.indicator_id) & reader.may_read(Kind.REFERENCE)
        )
    if "authority" in shape.fields:
        joined = joined.join(
            AUTHORITY, (AUTHORITY.c.id == ranked.c.authority_id) & reader.may_read(Kind.REFERENCE)
        )
    return joined
