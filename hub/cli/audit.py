"""`hub audit`: verify the access log's chain and export the log."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.export import csv_header, csv_line, jsonl_line, records
from hub.audit.store import SigningKeyError, signing_key
from hub.audit.verify import Report, describe, verify
from hub.cli._run import with_engine
from hub.settings import get_settings

app = typer.Typer(help="Verify and export the access log.", no_args_is_help=True)


class Format(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 date or date-time", param_hint=option
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _by_key(report: Report) -> str:
    """Which keys signed the checkpoints, when more than one did (after a rotation)."""
    if len(report.signed_by) < 2:
        return ""
    return " (" + ", ".join(f"{n} with key {k!r}" for k, n in report.signed_by.items()) + ")"


@app.command("verify")
def verify_command(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only problems."),
) -> None:
    """Walk the whole chain; exit 1 naming the first altered, missing, inserted or reordered
    record (then every other problem found). Signatures are checked with the key whose id is
    stored with them: keep retired keys in HUB_AUDIT_SIGNING_KEYS."""
    try:
        key = signing_key(get_settings())
    except SigningKeyError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None

    async def run(engine: AsyncEngine) -> Report:
        return await verify(engine, key)

    report = with_engine(run)
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if report.ok:
        if not quiet:
            typer.echo(
                f"ok: {report.records} records, {report.checkpoints} signed checkpoints"
                f"{_by_key(report)}, chain intact"
            )
        return
    first = report.problems[0]
    typer.echo(f"FAILED: first problem: {describe(first)}", err=True)
    for problem in report.problems[1:]:
        typer.echo(f"  also: {describe(problem)}", err=True)
    raise typer.Exit(1)


@app.command("export")
def export_command(
    since: str | None = typer.Option(None, "--since", help="From this date(-time), inclusive."),
    until: str | None = typer.Option(None, "--until", help="Before this date(-time)."),
    format: Format = typer.Option(Format.JSONL, "--format", help="jsonl or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
) -> None:
    """Write access records in chain order, with their hashes, to stdout or a file."""
    start, end = _moment(since, "'--since'"), _moment(until, "'--until'")

    async def run(engine: AsyncEngine) -> int:
        count = 0
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if format is Format.CSV:
                out.write(csv_header())
            async for record in records(engine, start, end):
                out.write(csv_line(record) if format is Format.CSV else jsonl_line(record))
                count += 1
        finally:
            if output:
                out.close()
        return count

    count = with_engine(run)
    typer.echo(f"exported {count} records", err=True)
