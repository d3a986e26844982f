"""Push a full quarter of National Indicator values over HTTP into a running hub; print figures.

For each backend (SQLite in a temporary file; PostgreSQL in a scratch database created and
dropped on the server at --pg): migrate, load the real reference data (353 councils, NI1-NI198),
issue an Audit Commission submitter token, start `uvicorn hub.cli.serve:served_app` (the app as
`hub serve` runs it) on a free port and POST the quarter (every authority x 198 indicators,
about 69,900 rows) as CSV to /ingest/ac-caa?dataset=national-indicators. Then a file of --big-mb
megabytes (several quarters) to show the server's memory stays flat as the body grows. Before
the timed uploads the server answers one small batch (ten values of another quarter), as a
running hub has answered others: what only a fresh process pays once (mapper configuration,
first statement compilations) is not an ingest cost.

Printed: rows/s end to end (HTTP, parse, validate, write, commit, and what the hub does before it
answers), the same rows inserted bare through the same driver (SQLite executemany, PostgreSQL
COPY; the same columns, indexes and connection settings, in a transaction that is rolled back),
their ratio, and the server's peak resident memory (VmHWM) after each upload. The machine's load
average is printed too: on a shared machine, wall-clock figures move with it. On SQLite the CPU
seconds are printed as well (the server's for the upload; the bench's for the bare insert, which
the driver's thread spends), a figure that load moves much less. Between uploads the bench
waits for the server to be idle (the signal rules a batch triggers run after its answer), and
the peak memory figures include that work.

    .venv/bin/python bench/ingest_quarter.py [--backend sqlite|postgresql|both] [--big-mb 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.auth.tokens import issue_token  # noqa: E402
from hub.db import create_engine, session_factory, unit_of_work  # noqa: E402
from hub.demo import load_reference  # noqa: E402
from hub.migrate import upgrade  # noqa: E402
from hub.models import Authority, Indicator, IngestBatch, Source  # noqa: E402
from hub.models.enums import BatchStatus, Role  # noqa: E402
from hub.settings import Settings  # noqa: E402

SOURCE, DATASET = "ac-caa", "national-indicators"
HEADER = "authority,indicator,period,value,status\n"


def quarters() -> Iterator[str]:
    year, number = 2009, 4
    while True:
        yield f"{year}-Q{number}"
        year, number = (year, number - 1) if number > 1 else (year - 1, 4)


def quarter_lines(authorities: list[str], indicators: list[str], period: str) -> Iterator[str]:
    rng = random.Random(period)
    for gss in authorities:
        for code in indicators:
            yield f"{gss},{code},{period},{rng.uniform(0, 100):.2f},final\n"


@asynccontextmanager
async def database(backend: str, pg_server: str, workdir: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    admin = create_async_engine(make_url(pg_server), isolation_level="AUTOCOMMIT")
    name = f"hub_bench_{secrets.token_hex(4)}"
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def prepare(engine: AsyncEngine) -> tuple[str, list[str], list[str]]:
    await upgrade(engine)
    await load_reference(engine)
    async with unit_of_work(session_factory(engine)) as session:
        token = await issue_token(session, org_code="audit-commission", role=Role.SUBMITTER)
        authorities = list(await session.scalars(select(Authority.gss_code).order_by(Authority.id)))
        ni = select(Indicator.code).where(Indicator.code.like("NI%")).order_by(Indicator.id)
        indicators = list(await session.scalars(ni))
    return token, authorities, indicators


async def bare_insert(engine: AsyncEngine, lines: list[str]) -> tuple[float, float]:
    """Seconds (wall, CPU) to insert the same observation rows straight through the driver
    (rolled back)."""
    async with engine.connect() as connection:
        authority = dict((await connection.execute(select(Authority.gss_code, Authority.id))).all())
        indicator = dict((await connection.execute(select(Indicator.code, Indicator.id))).all())
        source = (
            await connection.execute(
                select(Source.id, Source.organisation_id).where(Source.code == SOURCE)
            )
        ).one()
        now = datetime.now(UTC)
        batch = await connection.execute(
            IngestBatch.__table__.insert()
            .values(
                source_id=source.id,
                organisation_id=source.organisation_id,
                format="csv",
                status=BatchStatus.RECEIVED,
                row_count=0,
                error_count=0,
                received_at=now,
            )
            .returning(IngestBatch.__table__.c.id)
        )
        batch_id = batch.scalar_one()
        postgres = connection.dialect.name == "postgresql"
        start, end = date(2009, 10, 1), date(2009, 12, 31)
        when: Any = now if postgres else now.replace(tzinfo=None).isoformat(" ")
        rows = []
        for line in lines:
            gss, code, period, value, status = line.rstrip("\n").split(",")
            period_start: Any = start if postgres else start.isoformat()
            period_end: Any = end if postgres else end.isoformat()
            rows.append(
                (
                    authority[gss],
                    indicator[code],
                    period,
                    period_start,
                    period_end,
                    float(value),
                    None,
                    status,
                    source.id,
                    batch_id,
                    when,
                    None,
                )
            )
        columns = (
            "authority_id",
            "indicator_id",
            "period",
            "period_start",
            "period_end",
            "value",
            "target",
            "status",
            "source_id",
            "batch_id",
            "received_at",
            "supersedes_id",
        )
        began, cpu = time.perf_counter(), time.process_time()
        if postgres:
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(
                "observation", records=rows, columns=columns
            )
        else:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO observation ({', '.join(columns)}) VALUES ({marks})"
            await connection.exec_driver_sql(sql, rows)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        await connection.rollback()
    return elapsed, cpu


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, most: float = 900) -> None:
    """Wait until the server is idle: the work a batch leaves for after its answer (the signal
    rules) is done, so that it neither runs beside the next upload nor escapes the peak memory
    figures."""
    until = time.monotonic() + most
    used = cpu_seconds(pid)
    while time.monotonic() < until:
        time.sleep(1)
        used, before = cpu_seconds(pid), used
        if used - before < 0.05:
            return


def load() -> str:
    return "load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg())


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_LOG_LEVEL": "warning"}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "hub.cli.serve:served_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the hub did not start")


def push(port: int, token: str, body: Iterator[bytes] | bytes) -> tuple[float, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    began = time.perf_counter()
    response = httpx.post(
        f"http://127.0.0.1:{port}/ingest/{SOURCE}",
        params={"dataset": DATASET},
        content=body,
        headers=headers,
        timeout=600,
    )
    elapsed = time.perf_counter() - began
    if response.status_code != 201:
        raise RuntimeError(f"{response.status_code}: {response.text[:2000]}")
    return elapsed, response.json()["batch"]


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            yield chunk


async def run(backend: str, pg_server: str, big_mb: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        async with database(backend, pg_server, workdir) as url:
            engine = create_engine(Settings(database_url=url))
            token, authorities, indicators = await prepare(engine)
            periods = quarters()
            lines = list(quarter_lines(authorities, indicators, next(periods)))
            bare, bare_cpu = await bare_insert(engine, lines)
            await engine.dispose()
            body = (HEADER + "".join(lines)).encode()
            big = workdir / "big.csv"
            with big.open("w") as f:
                f.write(HEADER)
                while f.tell() < big_mb * 1_000_000:
                    f.writelines(quarter_lines(authorities, indicators, next(periods)))
            port = free_port()
            server = start_server(url, port)
            try:
                rss_idle = peak_rss_mb(server.pid)
                warm_up = quarter_lines(authorities[:2], indicators[:5], "2010-Q1")
                push(port, token, (HEADER + "".join(warm_up)).encode())
                settle(server.pid)
                cpu = cpu_seconds(server.pid)
                load_before = load()
                seconds, batch = push(port, token, body)
                cpu = cpu_seconds(server.pid) - cpu
                settle(server.pid)
                rss_quarter = peak_rss_mb(server.pid)
                if big_mb:
                    big_seconds, big_batch = push(port, token, file_chunks(big))
                    settle(server.pid)
                rss_big = peak_rss_mb(server.pid)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            big_size = big.stat().st_size / 1e6
    rows = batch["rowCount"]
    print(f"\n{backend}: {rows:,} rows, {len(body) / 1e6:.1f} MB CSV over HTTP ({load_before})")
    print(f"  end to end        {seconds:6.2f} s  {rows / seconds:>10,.0f} rows/s")
    print(f"  bare insert       {bare:6.2f} s  {rows / bare:>10,.0f} rows/s  (same driver)")
    print(f"  ratio             {bare / seconds:6.2f}")
    if backend == "sqlite":
        cpu_ratio = bare_cpu / cpu
        print(
            f"  CPU               {cpu:6.2f} s server, {bare_cpu:.2f} s bare: ratio {cpu_ratio:.2f}"
        )
    if big_mb:
        print(
            f"  {big_size:.0f} MB file        {big_seconds:6.2f} s"
            f"  {big_batch['rowCount'] / big_seconds:>10,.0f} rows/s"
            f"  ({big_batch['rowCount']:,} rows)"
        )
    print(
        f"  server peak RSS   idle {rss_idle:.0f} MB, after the quarter {rss_quarter:.0f} MB"
        + (f", after {big_mb} MB {rss_big:.0f} MB" if big_mb else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server where a scratch database may be created",
    )
    parser.add_argument(
        "--big-mb", type=int, default=50, help="size of the large file, in MB (0: none)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per backend (on a busy machine, take the best)"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        for _ in range(args.repeat):
            asyncio.run(run(backend, args.pg, args.big_mb))


if __name__ == "__main__":
    main()
