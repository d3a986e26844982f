"""Reads of information-sharing agreements, their versions and mutuality statements.

Which agreements a principal may read is the policy's (kind "Agreement"); every statement here
carries that condition, nested lists included, and fetches for all parents at once.
"""

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Select, Table, or_, select

from hub.authz import Kind
from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Authority,
    MutualityStatement,
    Organisation,
    Principal,
    Source,
)
from hub.models.enums import AgreementState
from hub.query.pages import Page, PageRequest, keyset, to_page
from hub.query.reader import Reader

AGREEMENT: Table = Agreement.__table__  # type: ignore[assignment]
VERSION: Table = AgreementVersion.__table__  # type: ignore[assignment]
COVERAGE: Table = AgreementCoverage.__table__  # type: ignore[assignment]
RECIPIENT: Table = AgreementRecipient.__table__  # type: ignore[assignment]
PURPOSE: Table = AgreementPurpose.__table__  # type: ignore[assignment]
MUTUALITY: Table = MutualityStatement.__table__  # type: ignore[assignment]
_AUTHORITY: Table = Authority.__table__  # type: ignore[assignment]
_ORGANISATION: Table = Organisation.__table__  # type: ignore[assignment]
_PRINCIPAL: Table = Principal.__table__  # type: ignore[assignment]
_SOURCE: Table = Source.__table__  # type: ignore[assignment]


def _authority_ids(code: str) -> Select[Any]:
    """The authority with a GSS or three-letter code, as a subquery of ids."""
    return select(_AUTHORITY.c.id).where(
        or_(_AUTHORITY.c.gss_code == code, _AUTHORITY.c.code == code)
    )


def _readable(reader: Reader) -> ColumnElement[bool]:
    return reader.may_read(Kind.AGREEMENT, AGREEMENT)


def _readable_ids(reader: Reader) -> Select[Any]:
    return select(AGREEMENT.c.id).where(_readable(reader))


def _readable_versions(reader: Reader) -> Select[Any]:
    return select(VERSION.c.id).where(VERSION.c.agreement_id.in_(_readable_ids(reader)))


async def agreements(
    reader: Reader,
    page: PageRequest,
    *,
    authority: str | None = None,
    state: AgreementState | None = None,
) -> Page[Row[Any]]:
    """Agreements the principal may read; `state` is the current version's."""
    stmt = select(AGREEMENT).where(_readable(reader))
    if authority is not None:
        stmt = stmt.where(AGREEMENT.c.authority_id.in_(_authority_ids(authority)))
    if state is not None:
        in_state = select(VERSION.c.agreement_id).where(
            VERSION.c.is_current, VERSION.c.state == state
        )
        stmt = stmt.where(AGREEMENT.c.id.in_(in_state))
    return to_page(await reader.rows(keyset(stmt, AGREEMENT.c.id, page)), page)


async def agreement_by_reference(reader: Reader, reference: str) -> Row[Any] | None:
    stmt = select(AGREEMENT).where(AGREEMENT.c.reference == reference, _readable(reader))
    found = await reader.rows(stmt)
    return found[0] if found else None


async def versions_of_agreements(
    reader: Reader, agreement_ids: Sequence[int]
) -> Sequence[Row[Any]]:
    """Every version of several agreements, oldest first, with its author's name."""
    stmt = (
        select(VERSION, _PRINCIPAL.c.name.label("created_by"))
        .outerjoin(_PRINCIPAL, _PRINCIPAL.c.id == VERSION.c.created_by_id)
        .where(
            VERSION.c.agreement_id.in_(agreement_ids),
            VERSION.c.agreement_id.in_(_readable_ids(reader)),
        )
        .order_by(VERSION.c.agreement_id, VERSION.c.version)
    )
    return await reader.rows(stmt)


async def coverage_of_versions(reader: Reader, version_ids: Sequence[int]) -> Sequence[Row[Any]]:
    """Coverage lines (version_id, source code, theme code) of several versions."""
    stmt = (
        select(
            COVERAGE.c.id,
            COVERAGE.c.version_id,
            _SOURCE.c.code.label("source"),
            COVERAGE.c.theme_code.label("theme"),
        )
        .outerjoin(_SOURCE, _SOURCE.c.id == COVERAGE.c.source_id)
        .where(
            COVERAGE.c.version_id.in_(version_ids),
            COVERAGE.c.version_id.in_(_readable_versions(reader)),
        )
        .order_by(COVERAGE.c.version_id, COVERAGE.c.id)
    )
    return await reader.rows(stmt)


async def recipients_of_versions(reader: Reader, version_ids: Sequence[int]) -> Sequence[Row[Any]]:
    """Recipient organisation codes (version_id, code) of several versions."""
    stmt = (
        select(RECIPIENT.c.version_id, _ORGANISATION.c.code)
        .join(_ORGANISATION, _ORGANISATION.c.id == RECIPIENT.c.organisation_id)
        .where(
            RECIPIENT.c.version_id.in_(version_ids),
            RECIPIENT.c.version_id.in_(_readable_versions(reader)),
        )
        .order_by(RECIPIENT.c.version_id, _ORGANISATION.c.code)
    )
    return await reader.rows(stmt)


async def purposes_of_versions(reader: Reader, version_ids: Sequence[int]) -> Sequence[Row[Any]]:
    """Permitted purposes (version_id, purpose) of several versions."""
    stmt = (
        select(PURPOSE.c.version_id, PURPOSE.c.purpose)
        .where(
            PURPOSE.c.version_id.in_(version_ids),
            PURPOSE.c.version_id.in_(_readable_versions(reader)),
        )
        .order_by(PURPOSE.c.version_id, PURPOSE.c.purpose)
    )
    return await reader.rows(stmt)


def _readable_authorities(reader: Reader) -> Select[Any]:
    """Authorities whose agreements the principal may read, decided by the Agreement rules.

    Each authority stands with each of its agreements, or with one empty stand-in (id NULL)
    when it has none: rules that name no particular agreement (the administrator's, the
    auditor's, an authority officer's own) then still hold, and rules that need a specific
    agreement (a recipient's) hold only where one names the principal.
    """
    pairs = (
        select(_AUTHORITY.c.id.label("authority_id"), AGREEMENT.c.id.label("id"))
        .select_from(_AUTHORITY.outerjoin(AGREEMENT, AGREEMENT.c.authority_id == _AUTHORITY.c.id))
        .subquery("authority_agreement")
    )
    # The Agreement rules read only `id` and `authority_id`, which the pairs carry.
    condition = reader.may_read(Kind.AGREEMENT, cast(Table, pairs))
    return select(pairs.c.authority_id).where(condition)


async def authority_exists(reader: Reader, code: str) -> bool:
    """Authorities are public reference facts."""
    stmt = select(_AUTHORITY.c.id).where(
        _AUTHORITY.c.id.in_(_authority_ids(code)), reader.may_read(Kind.REFERENCE)
    )
    return bool(await reader.rows(stmt))


async def mutuality_statements(reader: Reader, authority: str) -> Sequence[Row[Any]]:
    """An authority's mutuality statements, oldest first, if the principal may read its
    agreements."""
    stmt = (
        select(MUTUALITY)
        .where(
            MUTUALITY.c.authority_id.in_(_authority_ids(authority)),
            MUTUALITY.c.authority_id.in_(_readable_authorities(reader)),
        )
        .order_by(MUTUALITY.c.recorded_at, MUTUALITY.c.id)
    )
    return await reader.rows(stmt)


async def mutuality_statement_by_id(reader: Reader, statement_id: int) -> Row[Any] | None:
    stmt = select(MUTUALITY).where(
        MUTUALITY.c.id == statement_id,
        MUTUALITY.c.authority_id.in_(_readable_authorities(reader)),
    )
    found = await reader.rows(stmt)
    return found[0] if found else None
