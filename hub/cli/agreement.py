"""`hub agreement`: list, show, create, amend and change the state of information-sharing
agreements; record mutuality statements.

These commands act as the hub's operator on the server (not through the policy). Every change
is a new version of the agreement, so `hub agreement show` prints its whole history, and is
traced in the access log. Errors go to stderr and exit with status 1; nothing is changed then.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cli._agreements import (
    VersionView,
    authority_filter,
    cover_text,
    day,
    load_versions,
    run,
)
from hub.models import (
    Agreement,
    AgreementVersion,
    Authority,
    MutualityStatement,
)
from hub.models.enums import AgreementState, MutualityState, Purpose
from hub.services.agreements import (
    AgreementError,
    AgreementTerms,
    Coverage,
    amend_agreement,
    create_agreement,
    record_mutuality,
    set_agreement_state,
)

T = TypeVar("T")

app = typer.Typer(
    help="Information-sharing agreements (every change a new version) and mutuality statements.",
    no_args_is_help=True,
)

COVER_HELP = (
    "What the agreement covers, repeatable: SOURCE (all of a source, e.g. ac-cpa), :THEME (a "
    "theme across every source, e.g. :environment) or SOURCE:THEME (a theme within a source)."
)


def parse_cover(text: str) -> Coverage:
    source, colon, theme = text.strip().partition(":")
    line = Coverage(source.strip() or None, theme.strip() or None if colon else None)
    if line.source is None and line.theme is None:
        raise typer.BadParameter(
            f"{text!r}: give SOURCE, :THEME or SOURCE:THEME", param_hint="'--cover'"
        )
    return line


def _optional_date(text: str | None, hint: str) -> date | None:
    """A date, or None for `none` (to clear it)."""
    if text is None or text.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (2010-03-31) or none", param_hint=hint
        ) from None


@app.command("list")
def list_(
    authority: str | None = typer.Option(
        None,
        "--authority",
        metavar="CODE",
        help="Only this authority's (GSS or three-letter code).",
    ),
    state: AgreementState | None = typer.Option(
        None, "--state", help="Only agreements whose current version is in this state."
    ),
) -> None:
    """List agreements with their current version: state, dates and recipients."""

    async def work(session: AsyncSession) -> list[tuple[Agreement, Authority, VersionView]]:
        stmt = (
            select(Agreement, Authority)
            .join(Authority, Authority.id == Agreement.authority_id)
            .join(AgreementVersion, AgreementVersion.agreement_id == Agreement.id)
            .where(AgreementVersion.is_current)
        )
        if authority is not None:
            stmt = stmt.where(authority_filter(authority))
        if state is not None:
            stmt = stmt.where(AgreementVersion.state == state)
        found = (await session.execute(stmt.order_by(Agreement.reference))).all()
        ids = [a.id for a, _ in found]
        current = {
            v.row.agreement_id: v for v in await load_versions(session, ids, current_only=True)
        }
        return [(a, auth, current[a.id]) for a, auth in found]

    rows = run(work)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for heading in ("reference", "authority", "v", "state", "from", "to", "review"):
        table.add_column(heading, no_wrap=True)
    table.add_column("recipients", overflow="fold")
    for agreement, auth, view in rows:
        v = view.row
        table.add_row(
            agreement.reference,
            auth.code,
            str(v.version),
            v.state.value,
            day(v.effective_from),
            day(v.effective_to),
            day(v.review_date),
            ", ".join(view.recipients),
        )
    Console().print(table)
    if not rows:
        typer.echo("no agreements", err=True)


@app.command()
def show(
    reference: str = typer.Argument(
        ..., metavar="REF", help="The agreement's reference, e.g. ISA-NET."
    ),
) -> None:
    """Show an agreement's every version, oldest first, and its authority's mutuality statements."""

    async def work(
        session: AsyncSession,
    ) -> tuple[Agreement, Authority, list[VersionView], list[MutualityStatement]]:
        found = (
            await session.execute(
                select(Agreement, Authority)
                .join(Authority, Authority.id == Agreement.authority_id)
                .where(Agreement.reference == reference)
            )
        ).first()
        if found is None:
            raise AgreementError(f"unknown agreement: {reference}")
        agreement, auth = found
        statements = await session.scalars(
            select(MutualityStatement)
            .where(MutualityStatement.authority_id == auth.id)
            .order_by(MutualityStatement.recorded_at, MutualityStatement.id)
        )
        return agreement, auth, await load_versions(session, [agreement.id]), list(statements)

    agreement, auth, versions, statements = run(work)
    typer.echo(f"{agreement.reference}: {auth.name} ({auth.gss_code}, {auth.code})")
    for view in versions:
        v = view.row
        marker = "current" if v.is_current else "history"
        by = view.created_by or "the hub (operator or loader)"
        typer.echo(f"\nversion {v.version} ({marker}), {v.created_at:%Y-%m-%d %H:%M} UTC by {by}")
        lines = [
            ("state", v.state.value),
            ("effective", f"{day(v.effective_from)} to {day(v.effective_to)}"),
            ("review date", day(v.review_date)),
            ("covers", ", ".join(cover_text(c) for c in view.coverage)),
            ("recipients", ", ".join(view.recipients)),
            ("purposes", ", ".join(view.purposes)),
            ("provisional", "included" if v.include_provisional else "excluded"),
            ("aggregates", "allowed" if v.allow_aggregates else "not allowed"),
            ("lawful basis", v.lawful_basis),
            ("retention", v.retention),
            ("contact", v.contact),
            ("change note", v.change_note or "-"),
        ]
        for label, value in lines:
            typer.echo(f"  {label + ':':<14}{value}")
    typer.echo("\nmutuality statements:" if statements else "\nno mutuality statement recorded")
    for s in statements:
        if s.withdrawn_on is None:
            typer.echo(f"  signed {day(s.signed_on)}")
        else:
            typer.echo(f"  withdrawn {day(s.withdrawn_on)} (signed {day(s.signed_on)})")


# --- changing ---------------------------------------------------------------------------


def _purposes(values: list[Purpose] | None) -> tuple[Purpose, ...] | None:
    return None if not values else tuple(values)


@app.command()
def create(
    authority: str = typer.Argument(
        ..., metavar="AUTHORITY", help="The authority: GSS or three-letter code."
    ),
    effective_from: str = typer.Option(
        ..., "--from", metavar="DATE", help="Effective from (2010-04-01)."
    ),
    cover: list[str] = typer.Option(..., "--cover", metavar="SOURCE[:THEME]", help=COVER_HELP),
    recipient: list[str] = typer.Option(
        ...,
        "--recipient",
        metavar="ORG",
        help="Code of an organisation it shares with, repeatable.",
    ),
    purpose: list[Purpose] = typer.Option(
        ..., "--purpose", help="A permitted purpose, repeatable."
    ),
    lawful_basis: str = typer.Option(
        ..., "--lawful-basis", metavar="TEXT", help="The lawful basis for sharing."
    ),
    retention: str = typer.Option(
        ..., "--retention", metavar="TEXT", help="How long recipients keep the data."
    ),
    contact: str = typer.Option(
        ..., "--contact", metavar="TEXT", help="The authority's named contact."
    ),
    reference: str | None = typer.Option(
        None,
        "--reference",
        metavar="REF",
        help="Default: ISA- and the authority's three-letter code.",
    ),
    state: AgreementState = typer.Option(AgreementState.DRAFT, "--state", help="Initial state."),
    effective_to: str | None = typer.Option(
        None, "--to", metavar="DATE", help="Effective until (inclusive)."
    ),
    review_date: str | None = typer.Option(None, "--review", metavar="DATE", help="Review date."),
    provisional: bool = typer.Option(
        False, "--provisional/--no-provisional", help="Share provisional (unpublished) values."
    ),
    aggregates: bool = typer.Option(
        True, "--aggregates/--no-aggregates", help="Allow aggregates across authorities."
    ),
    note: str | None = typer.Option(
        None, "--note", metavar="TEXT", help="A note on this first version."
    ),
) -> None:
    """Create an agreement for an authority, as its version 1."""
    starts = _optional_date(effective_from, "'--from'")
    if starts is None:
        raise typer.BadParameter("a start date is required", param_hint="'--from'")
    terms = AgreementTerms(
        state=state,
        effective_from=starts,
        effective_to=_optional_date(effective_to, "'--to'"),
        review_date=_optional_date(review_date, "'--review'"),
        coverage=tuple(parse_cover(c) for c in cover),
        recipients=tuple(recipient),
        purposes=tuple(purpose),
        include_provisional=provisional,
        allow_aggregates=aggregates,
        lawful_basis=lawful_basis,
        retention=retention,
        contact=contact,
        change_note=note,
    )

    async def work(session: AsyncSession) -> str:
        version = await create_agreement(
            session, authority=authority, reference=reference, terms=terms, by=None
        )
        made = await session.get(Agreement, version.agreement_id)
        assert made is not None
        return made.reference

    made = run(work, ("agreement create", {"authority": authority, "terms": asdict(terms)}))
    typer.echo(f"created {made}, version 1 ({state.value})")


@app.command()
def amend(
    reference: str = typer.Argument(..., metavar="REF", help="The agreement's reference."),
    note: str = typer.Option(
        ..., "--note", metavar="TEXT", help="Why the terms change (required)."
    ),
    effective_from: str | None = typer.Option(
        None, "--from", metavar="DATE", help="New effective-from date."
    ),
    effective_to: str | None = typer.Option(
        None, "--to", metavar="DATE", help="New end date, or none to remove it."
    ),
    review_date: str | None = typer.Option(
        None, "--review", metavar="DATE", help="New review date, or none to remove it."
    ),
    cover: list[str] | None = typer.Option(
        None, "--cover", metavar="SOURCE[:THEME]", help=COVER_HELP + " Replaces every current line."
    ),
    recipient: list[str] | None = typer.Option(
        None, "--recipient", metavar="ORG", help="Replaces the recipients, repeatable."
    ),
    purpose: list[Purpose] | None = typer.Option(
        None, "--purpose", help="Replaces the permitted purposes, repeatable."
    ),
    provisional: bool | None = typer.Option(
        None, "--provisional/--no-provisional", help="Share provisional values, or stop."
    ),
    aggregates: bool | None = typer.Option(
        None, "--aggregates/--no-aggregates", help="Allow aggregates, or stop."
    ),
    lawful_basis: str | None = typer.Option(
        None, "--lawful-basis", metavar="TEXT", help="New lawful basis."
    ),
    retention: str | None = typer.Option(
        None, "--retention", metavar="TEXT", help="New retention terms."
    ),
    contact: str | None = typer.Option(None, "--contact", metavar="TEXT", help="New contact."),
) -> None:
    """Change an agreement's terms, as its next version; options left out stay as they are.

    Use `hub agreement state` to change its state.
    """
    changes: dict[str, Any] = {"change_note": note}
    if effective_from is not None:
        changes["effective_from"] = _optional_date(effective_from, "'--from'")
        if changes["effective_from"] is None:
            raise typer.BadParameter("the start date cannot be removed", param_hint="'--from'")
    if effective_to is not None:
        changes["effective_to"] = _optional_date(effective_to, "'--to'")
    if review_date is not None:
        changes["review_date"] = _optional_date(review_date, "'--review'")
    if cover:
        changes["coverage"] = tuple(parse_cover(c) for c in cover)
    if recipient:
        changes["recipients"] = tuple(recipient)
    if purpose:
        changes["purposes"] = tuple(purpose)
    given = {
        "include_provisional": provisional,
        "allow_aggregates": aggregates,
        "lawful_basis": lawful_basis,
        "retention": retention,
        "contact": contact,
    }
    changes.update({name: value for name, value in given.items() if value is not None})

    async def work(session: AsyncSession) -> int:
        version = await amend_agreement(
            session,
            reference=reference,
            change=lambda current: replace(current, **changes),
            by=None,
        )
        return version.version

    number = run(work, ("agreement amend", {"reference": reference, "changes": changes}))
    typer.echo(f"amended {reference}: version {number} is current")


@app.command()
def state(
    reference: str = typer.Argument(..., metavar="REF", help="The agreement's reference."),
    new_state: AgreementState = typer.Argument(..., metavar="STATE", help="The new state."),
    note: str = typer.Option(
        ..., "--note", metavar="TEXT", help="Why (required; kept with the version)."
    ),
) -> None:
    """Activate, suspend, withdraw or expire an agreement, as its next version.

    It takes effect on the next request to every hub process.
    """

    async def work(session: AsyncSession) -> int:
        version = await set_agreement_state(
            session, reference=reference, state=new_state, note=note, by=None
        )
        return version.version

    arguments = {"reference": reference, "state": new_state.value, "note": note}
    number = run(work, ("agreement state", arguments))
    typer.echo(f"{reference} is {new_state.value} (version {number})")


@app.command()
def mutuality(
    authority: str = typer.Argument(
        ..., metavar="AUTHORITY", help="The authority: GSS or three-letter code."
    ),
    new_state: MutualityState = typer.Argument(..., metavar="STATE", help="signed or withdrawn."),
    signed_on: str = typer.Option(
        ..., "--signed-on", metavar="DATE", help="When the statement was signed."
    ),
    withdrawn_on: str | None = typer.Option(
        None,
        "--withdrawn-on",
        metavar="DATE",
        help="When it was withdrawn (required for withdrawn, only then).",
    ),
) -> None:
    """Record an authority's mutuality statement; earlier ones are kept as its history."""
    signed = _optional_date(signed_on, "'--signed-on'")
    if signed is None:
        raise typer.BadParameter("a signing date is required", param_hint="'--signed-on'")
    withdrawn = _optional_date(withdrawn_on, "'--withdrawn-on'")

    async def work(session: AsyncSession) -> None:
        await record_mutuality(
            session, authority=authority, state=new_state, signed_on=signed, withdrawn_on=withdrawn
        )

    arguments = {"authority": authority, "state": new_state.value, "signed_on": signed_on}
    run(work, ("agreement mutuality", {**arguments, "withdrawn_on": withdrawn_on}))
    typer.echo(f"recorded {authority}'s mutuality statement: {new_state.value}")
