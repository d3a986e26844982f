"""Shared by the `hub agreement` commands: running a unit of work (a change traced in the
access log), and reading agreements with their versions' terms for display."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cli._run import in_transaction
from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Authority,
    Organisation,
    Principal,
    Source,
)
from hub.services.agreements import AgreementError

T = TypeVar("T")


def run(
    work: Callable[[AsyncSession], Awaitable[T]], change: tuple[str, dict[str, Any]] | None = None
) -> T:
    """Run `work` in one unit of work; an agreement refused or a database error exits 1."""
    return in_transaction(work, change=change, refusals=(AgreementError,))


# --- reading, as the operator -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionView:
    row: AgreementVersion
    created_by: str | None
    coverage: list[tuple[str | None, str | None]]
    recipients: list[str]
    purposes: list[str]


async def load_versions(
    session: AsyncSession, agreement_ids: Sequence[int], *, current_only: bool = False
) -> list[VersionView]:
    """Versions of some agreements (every one, or the current), oldest first, with their terms
    (four statements)."""
    stmt = (
        select(AgreementVersion, Principal.name)
        .outerjoin(Principal, Principal.id == AgreementVersion.created_by_id)
        .where(AgreementVersion.agreement_id.in_(agreement_ids))
        .order_by(AgreementVersion.agreement_id, AgreementVersion.version)
    )
    if current_only:
        stmt = stmt.where(AgreementVersion.is_current)
    rows = (await session.execute(stmt)).all()
    ids = [version.id for version, _ in rows]
    coverage: dict[int, list[tuple[str | None, str | None]]] = {i: [] for i in ids}
    recipients: dict[int, list[str]] = {i: [] for i in ids}
    purposes: dict[int, list[str]] = {i: [] for i in ids}
    for version_id, source, theme in await session.execute(
        select(AgreementCoverage.version_id, Source.code, AgreementCoverage.theme_code)
        .outerjoin(Source, Source.id == AgreementCoverage.source_id)
        .where(AgreementCoverage.version_id.in_(ids))
        .order_by(AgreementCoverage.id)
    ):
        coverage[version_id].append((source, theme))
    for version_id, code in await session.execute(
        select(AgreementRecipient.version_id, Organisation.code)
        .join(Organisation, Organisation.id == AgreementRecipient.organisation_id)
        .where(AgreementRecipient.version_id.in_(ids))
        .order_by(Organisation.code)
    ):
        recipients[version_id].append(code)
    for version_id, purpose in await session.execute(
        select(AgreementPurpose.version_id, AgreementPurpose.purpose)
        .where(AgreementPurpose.version_id.in_(ids))
        .order_by(AgreementPurpose.purpose)
    ):
        purposes[version_id].append(purpose.value)
    return [
        VersionView(v, name, coverage[v.id], recipients[v.id], purposes[v.id]) for v, name in rows
    ]


def authority_filter(code: str) -> Any:
    return Agreement.authority_id.in_(
        select(Authority.id).where(or_(Authority.gss_code == code, Authority.code == code))
    )


def cover_text(line: tuple[str | None, str | None]) -> str:
    source, theme = line
    return f"{source or ''}:{theme}" if theme else str(source)


def day(value: date | None) -> str:
    return "-" if value is None else value.isoformat()
