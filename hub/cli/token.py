"""`hub token`: issue, revoke and list API tokens.

`issue` prints the token alone on stdout, so `TOKEN=$(hub token issue ...)` works; every other
message goes to stderr. No command prints a stored hash, and only `issue` prints a token.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from hub.auth.tokens import (
    TokenError,
    TokenInfo,
    authenticate,
    display_prefix,
    is_well_formed,
    issue_token,
    list_tokens,
    revoke_token,
)
from hub.cli._run import in_transaction
from hub.models.base import utcnow
from hub.models.enums import Role
from hub.settings import get_settings

T = TypeVar("T")

app = typer.Typer(help="Issue, revoke and list API tokens.", no_args_is_help=True)

_DAYS = re.compile(r"(\d+)d")
_FROM_STDIN = "-"


def parse_expiry(text: str, now: datetime) -> datetime:
    """`30d` (days from now), `2027-01-31` (the end of that day, UTC) or an ISO 8601 date-time
    (UTC unless it gives an offset)."""
    text = text.strip()
    try:
        if match := _DAYS.fullmatch(text):
            return now + timedelta(days=int(match.group(1)))
        if len(text) == len("2027-01-31"):
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(), UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            f"{text!r} is neither a number of days (30d), a date (2027-01-31) nor a date-time "
            "(2027-01-31T18:00+00:00)",
            param_hint="'--expires'",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _in_transaction(
    work: Callable[[AsyncSession], Awaitable[T]], change: tuple[str, dict[str, Any]] | None = None
) -> T:
    """Run `work` in one unit of work; a token refused or a database error exits 1."""
    return in_transaction(work, change=change, refusals=(TokenError,))


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@app.command()
def issue(
    org: str = typer.Option(..., "--org", help="Code of the organisation the token acts for."),
    role: Role = typer.Option(..., "--role", help="Role the token's principal acts in."),
    name: str | None = typer.Option(
        None,
        "--name",
        help="Principal name (default ORG:ROLE); created if new, must have ROLE if it exists.",
    ),
    expires: str | None = typer.Option(
        None,
        "--expires",
        metavar="WHEN",
        help="Expiry: days from now (30d), a date (2027-01-31: valid to the end of that day, UTC)"
        " or an ISO date-time. Default: HUB_TOKEN_DEFAULT_DAYS days.",
    ),
) -> None:
    """Issue a token and print it alone on stdout (it is never shown again)."""
    now = utcnow()
    if expires is None:
        expires_at = now + timedelta(days=get_settings().token_default_days)
    else:
        expires_at = parse_expiry(expires, now)
    if expires_at <= now:
        raise typer.BadParameter(
            f"{_when(expires_at)} UTC is in the past", param_hint="'--expires'"
        )

    async def work(session: AsyncSession) -> tuple[str, str, int]:
        raw = await issue_token(
            session, org_code=org, role=role, name=name, expires_at=expires_at, now=now
        )
        principal = await authenticate(session, raw, now)
        assert principal is not None  # just issued, in this transaction
        return raw, principal.name, principal.token_id

    arguments = {"org": org, "role": role.value, "name": name, "expires_at": expires_at}
    raw, principal_name, token_id = _in_transaction(work, ("token issue", arguments))
    typer.echo(
        f"issued token {token_id} ({display_prefix(raw)}...) to {principal_name!r}, "
        f"role {role.value}, of {org}; expires {_when(expires_at)} UTC",
        err=True,
    )
    typer.echo(raw)


@app.command()
def revoke(
    token_or_id: str | None = typer.Argument(
        None,
        metavar="[TOKEN_OR_ID]",
        help="The raw token, '-' to read it from stdin (keeps it out of shell history), "
        "or a token id as shown by `hub token list`.",
    ),
    token_id: int | None = typer.Option(None, "--id", help="Id of the token to revoke."),
) -> None:
    """Revoke a token at once; revoking it again is harmless."""
    if (token_or_id is None) == (token_id is None):
        raise typer.BadParameter("give a token or --id N (one, not both)", param_hint="TOKEN_OR_ID")
    raw: str | None = None
    if token_or_id == _FROM_STDIN:
        token_or_id = sys.stdin.readline().strip()
    if token_or_id is not None:
        if token_or_id.isascii() and token_or_id.isdigit():
            token_id = int(token_or_id)
        elif is_well_formed(token_or_id):
            raw = token_or_id
        else:
            raise typer.BadParameter(
                "neither a hub token (hub_...) nor a token id", param_hint="TOKEN_OR_ID"
            )
    label = f"token {display_prefix(raw)}..." if raw is not None else f"token {token_id}"

    async def work(session: AsyncSession) -> bool:
        return await revoke_token(session, token=raw, token_id=None if raw else token_id)

    if not _in_transaction(work, ("token revoke", {"token": label})):
        typer.echo(f"error: no {label} found", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {label}", err=True)


@app.command("list")
def list_(
    org: str | None = typer.Option(None, "--org", help="Only tokens of this organisation."),
) -> None:
    """List tokens: id, prefix, principal, role, organisation, dates and status (no secrets)."""

    async def work(session: AsyncSession) -> list[TokenInfo]:
        return await list_tokens(session, org_code=org)

    tokens = _in_transaction(work)
    now = utcnow()
    table = Table(
        caption="times are UTC", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    for heading in ("id", "prefix", "principal", "role", "org", "created", "expires", "status"):
        fixed = heading in ("id", "prefix", "created")  # never cut: they identify the token
        table.add_column(heading, no_wrap=fixed, overflow="fold")
    for info in tokens:
        status = info.status(now)
        if info.revoked_at is not None:
            status = f"revoked\n{_when(info.revoked_at)}"
        table.add_row(
            str(info.id),
            info.prefix,
            info.principal_name,
            info.role.value,
            info.organisation_code,
            _when(info.created_at)[:10],
            _when(info.expires_at),
            status,
        )
    Console().print(table)
    if not tokens:
        typer.echo("no tokens", err=True)
