"""`hub demo`: migrate, load the reference data and demo workload once, print demo tokens."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from enum import StrEnum

import typer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.auth.tokens import issue_token
from hub.cli._run import with_engine
from hub.db import session_factory, unit_of_work
from hub.demo import DEMO_PRINCIPALS, load_demo, loaded_scale, reset_demo, table_counts
from hub.migrate import upgrade
from hub.settings import get_settings


class Scale(StrEnum):
    TINY = "tiny"
    SMALL = "small"
    FULL = "full"


_SIZES = {
    Scale.TINY: "12 indicators x 8 quarters, about 40,000 observations",
    Scale.SMALL: "198 indicators x 8 quarters, about 565,000 observations",
    Scale.FULL: "198 indicators x 40 quarters, about 2.8 million observations",
}
# A first request for each demo role: what that role typically asks.
EXAMPLES = {
    "hub_admin": "{ agreements(first: 3) { nodes { reference current { state recipients } } } }",
    "riep_analyst": '{ region(code: "E12000001") { name authorities { name '
    'observations(indicators: ["NI1"], first: 4) { nodes { period value grantedBy { reference } '
    "} } } } }",
    "idea_analyst": '{ indicatorSummary(indicator: "NI1", period: "2009-Q4") { count median } }',
    "clearing_house_officer": "{ concerns(first: 5) { nodes { subject status raisedBy } } }",
    "authority_officer": '{ authority(code: "E08000021") { name flags { title } '
    "assessments { framework score } } }",
    "auditor": "{ accessRecords(first: 5) { nodes { at outcome operationName } } }",
    "submitter": "{ ingestBatches(first: 5) { nodes { id status } } }",
}


@dataclass
class _Outcome:
    loaded: bool
    scale: str | None
    seconds: float
    counts: dict[str, int]
    tokens: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, org, name, token


async def _run(engine: AsyncEngine, scale: Scale, reset: bool, tokens: bool) -> _Outcome:
    await upgrade(engine)
    if reset:
        typer.echo("deleting every row (--reset) ...", err=True)
        await reset_demo(engine)
    present = await loaded_scale(engine)
    started = time.perf_counter()
    if present is None:
        typer.echo(f"loading the demo at scale {scale.value} ({_SIZES[scale]}) ...", err=True)
        counts = await load_demo(engine, scale.value)
    else:
        counts = await table_counts(engine)
    outcome = _Outcome(present is None, present, time.perf_counter() - started, counts)
    if tokens:
        async with unit_of_work(session_factory(engine)) as session:
            for principal in DEMO_PRINCIPALS:
                raw = await issue_token(
                    session, org_code=principal.org_code, role=principal.role, name=principal.name
                )
                outcome.tokens.append(
                    (principal.role.value, principal.org_code, principal.name, raw)
                )
    return outcome


def _print_summary(outcome: _Outcome, scale: Scale) -> None:
    if outcome.loaded:
        typer.echo(f"demo loaded at scale {scale.value} in {outcome.seconds:.1f} s")
    else:
        typer.echo(
            f"the database already holds the demo (scale {outcome.scale}): nothing loaded; "
            "`hub demo --reset` deletes every row and loads it again"
        )
    width = max(len(name) for name in outcome.counts)
    for name, count in sorted(outcome.counts.items()):
        if count:
            typer.echo(f"  {name:<{width}}  {count:>10,}")
    if outcome.loaded and outcome.seconds > 0:
        total = sum(outcome.counts.values())
        typer.echo(
            f"  {'all rows':<{width}}  {total:>10,}  ({total / outcome.seconds:,.0f} rows/s)"
        )


def _print_tokens(outcome: _Outcome) -> None:
    if not outcome.tokens:
        return
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}/graphql"
    typer.echo(
        f"\ndemo tokens (shown once; valid {settings.token_default_days} days; "
        "`hub token revoke` ends one):"
    )
    for role, org, name, raw in outcome.tokens:
        body = json.dumps({"query": EXAMPLES.get(role, "{ me { name role } }")})
        typer.echo(f"\n  {role} of {org} ({name})")
        typer.echo(
            f"  curl -s {url} -H 'Authorization: Bearer {raw}' "
            f"-H 'Content-Type: application/json' -d '{body}'"
        )


def demo(
    scale: Scale = typer.Option(
        Scale.SMALL, "--scale", case_sensitive=False, help="How much synthetic data to load."
    ),
    reset: bool = typer.Option(
        False,
        "--reset",
        help="Delete every row of every table (tokens and access log too), then load again.",
    ),
    tokens: bool = typer.Option(
        True, "--tokens/--no-tokens", help="Issue and print a token for each demo principal."
    ),
) -> None:
    """Upgrade the database, load reference and demo data once (safe to run again), and print
    a token and an example request for each demo role."""
    try:
        outcome = with_engine(lambda engine: _run(engine, scale, reset, tokens))
    except DBAPIError as error:
        typer.echo(
            f"error: database error ({type(error.orig).__name__}: {error.orig}); "
            "is HUB_DATABASE_URL right?",
            err=True,
        )
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"error: cannot reach the database at HUB_DATABASE_URL: {error}", err=True)
        raise typer.Exit(1) from None
    _print_summary(outcome, scale)
    _print_tokens(outcome)
