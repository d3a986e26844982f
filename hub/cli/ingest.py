"""`hub ingest SOURCE FILE`: submit a file through the ingest engine, with a progress bar.

The same engine as POST /ingest/{source}, run here against HUB_DATABASE_URL: the token says who
submits, exactly as over HTTP. Exit status: 0 applied, 1 rejected or refused.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.auth.tokens import authenticate
from hub.authz import load_authorizer
from hub.cli._run import with_engine
from hub.db import session_factory
from hub.ingest.catalogue import default_catalogue
from hub.ingest.engine import Ingestor, Outcome, Submission
from hub.ingest.errors import SubmissionRefused
from hub.ingest.http import batch_json
from hub.ingest.spec import Format
from hub.models.enums import BatchStatus
from hub.settings import get_settings

_EXTENSIONS = {".csv": Format.CSV, ".json": Format.JSON, ".ndjson": Format.NDJSON}
_EXTENSIONS[".jsonl"] = Format.NDJSON
_CHUNK = 1 << 16
_SHOWN_PROBLEMS = 20
_FROM_STDIN = "-"


class _Refused(Exception):
    pass


def _format(path: Path, given: Format | None) -> Format:
    if given is not None:
        return given
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise typer.BadParameter(
            f"cannot tell the format of {path.name}: use --format", param_hint="FILE"
        )
    return found


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            yield chunk


def _report(outcome: Outcome, console: Console) -> None:
    batch = outcome.batch
    replay = " (a replay: this key and payload were submitted before)" if outcome.replayed else ""
    if batch.status is BatchStatus.APPLIED:
        console.print(
            f"batch {batch.id} applied{replay}: {batch.row_count:,} rows, "
            f"{batch.created:,} new, {batch.superseded:,} corrections"
        )
        return
    console.print(
        f"batch {batch.id} rejected{replay}: {batch.error_count:,} problems in "
        f"{batch.row_count:,} rows; nothing was stored"
    )
    table = Table("row", "field", "value", "reason")
    for problem in batch.errors[:_SHOWN_PROBLEMS]:
        row = "file" if problem["row"] is None else str(problem["row"])
        table.add_row(row, problem["field"] or "", problem["value"] or "", problem["reason"])
    console.print(table)
    if batch.error_count > _SHOWN_PROBLEMS:
        console.print(f"... and {batch.error_count - _SHOWN_PROBLEMS:,} more (hub ingest --json)")


def ingest(
    source: str = typer.Argument(..., help="Code of the source, e.g. go-north-east-laa."),
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="The CSV, JSON or NDJSON file."
    ),
    token: str = typer.Option(
        ..., "--token", help="The submitter's API token, or '-' to read it from stdin."
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Which of the source's datasets (default: its first)."
    ),
    format_: Format | None = typer.Option(
        None, "--format", help="csv, json or ndjson (default: from the file's extension)."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key: a retry with the same key is applied once."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON, no progress."),
) -> None:
    """Submit FILE to SOURCE as one batch: applied whole, or rejected with every problem."""
    fmt = _format(file, format_)
    raw_token = sys.stdin.readline().strip() if token == _FROM_STDIN else token
    size = file.stat().st_size
    submission = Submission(source=source, format=fmt, dataset=dataset, idempotency_key=key)
    console = Console(stderr=True)

    async def run(engine: AsyncEngine) -> Outcome:
        sessions = session_factory(engine)
        async with sessions() as session:
            principal = await authenticate(session, raw_token)
        if principal is None:
            raise _Refused("the token is not valid (unknown, expired or revoked)")
        ingestor = Ingestor(sessions, load_authorizer(), default_catalogue(), get_settings())
        columns = (
            TextColumn(f"{file.name}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=as_json) as progress:
            task = progress.add_task("ingest", total=size)
            try:
                return await ingestor.submit(
                    principal,
                    submission,
                    _chunks(file),
                    on_chunk=lambda size: progress.advance(task, size),
                )
            except SubmissionRefused as error:
                raise _Refused(str(error)) from None

    try:
        outcome = with_engine(run)
    except _Refused as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"batch": batch_json(outcome.batch), "replayed": outcome.replayed}))
    else:
        _report(outcome, console)
    if outcome.batch.status is not BatchStatus.APPLIED:
        raise typer.Exit(1)
