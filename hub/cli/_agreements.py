"""Shared by the `hub agreement` commands: running a unit of work (a change traced in the
access log), and reading agreements with their versions' terms for display."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import typer
from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.audit.operator import traced_change
from hub.cli._run import with_engine
from hub.db import session_factory, unit_of_work
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


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def run(
    work: Callable[[AsyncSession], Awaitable[T]], change: tuple[str, dict[str, Any]] | None = None
) -> T:
    """Run `work` in one unit of work on HUB_DATABASE_URL; bad input and database errors exit 1.

    A `change` (command and arguments) is traced in the access log, as any request is."""

    async def in_session(engine: AsyncEngine) -> T:
        if change is not None:
            command, arguments = change
            return await traced_change(engine, command, arguments, work)
        async with unit_of_work(session_factory(engine)) as session:
            return await work(session)

    try:
        return with_engine(in_session)
    except AgreementError as error:
        raise fail(str(error)) from None
    except DBAPIError as error:
        raise fail(
            f"database error ({type(error.orig).__name__}: {error.orig}); "
            "is HUB_DATABASE_URL right, and has `hub db upgrade` been run?"
        ) from None
    except OSError as error:
        raise fail(f"cannot reach the database at HUB_DATABASE_URL: {error}") from None


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
