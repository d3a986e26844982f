"""kill -9 of a hub process (uvicorn) in the middle of a large ingest, on SQLite and on
PostgreSQL (a private cluster, tests/faults/pgcluster.py): after a restart the batch is wholly
present or wholly absent, a retry with the same Idempotency-Key applies it exactly once, and
`hub audit verify` passes."""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.hubprocess import free_port, hub, issue, server, sql
from tests.faults.pgcluster import private_cluster

PERIODS = [f"{year}-Q{q}" for year in range(2000, 2010) for q in range(1, 5)]
KEY = "faults-kill-9"


def _big_csv(url: str) -> tuple[bytes, int]:
    authorities = [str(r[0]) for r in sql(url, "SELECT gss_code FROM authority")]
    indicators = [str(r[0]) for r in sql(url, "SELECT code FROM indicator WHERE code LIKE 'NI%'")]
    lines = ["authority,indicator,period,value,status"]
    for authority in authorities:
        for indicator in indicators[:60]:
            for period in PERIODS:
                lines.append(f"{authority},{indicator},{period},{len(lines) % 97}.5,final")
    return ("\n".join(lines) + "\n").encode(), len(lines) - 1


def _count(url: str) -> tuple[int, list[str]]:
    statuses = [
        str(r[0])
        for r in sql(url, "SELECT status FROM ingest_batch WHERE idempotency_key = :k", k=KEY)
    ]
    rows = sql(
        url,
        "SELECT count(*) FROM observation o JOIN ingest_batch b ON b.id = o.batch_id "
        "WHERE b.idempotency_key = :k",
        k=KEY,
    )
    return int(str(rows[0][0])), statuses


def _post(port: int, token: str, body: bytes, timeout: float) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/ingest/ac-caa",
        params={"dataset": "national-indicators"},
        content=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/csv",
            "Idempotency-Key": KEY,
        },
        timeout=timeout,
    )


def _evaluated(url: str) -> None:
    """Wait until the batch's signal rules have run (in the background, after the answer).
    On SQLite their transaction holds the one write lock; a request arriving meanwhile waits
    for it and, past the busy timeout, is refused: a known SQLite limit, not this test's."""
    query = (
        "SELECT count(*) FROM ingest_batch WHERE idempotency_key = :k "
        "AND status = 'applied' AND signals_checked_at IS NULL"
    )
    # A bound on the background job, not a speed target: on PostgreSQL (a private cluster with
    # default settings) the rules over these 847,200 rows took over 240 s on a slow machine.
    deadline = time.monotonic() + 900
    while int(str(sql(url, query, k=KEY)[0][0])) > 0:
        assert time.monotonic() < deadline, "the batch's signal rules did not run in 900 s"
        time.sleep(0.5)


Writing = Callable[[], bool]


def _sqlite_writing(db: Path) -> Writing:
    """The batch's transaction is writing once the WAL has grown by 2 MB."""
    wal = Path(f"{db}-wal")
    before = wal.stat().st_size if wal.exists() else 0
    return lambda: wal.exists() and wal.stat().st_size > before + 2_000_000


def _postgres_writing(url: str) -> Writing:
    """The batch's transaction is writing once a backend with a transaction id copies rows."""
    active = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
        "AND query LIKE 'COPY%observation%' AND pid <> pg_backend_pid()"
    )
    return lambda: int(str(sql(url, active)[0][0])) > 0


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database: a SQLite file, or a private PostgreSQL cluster."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        assert hub(url, "db", "upgrade").returncode == 0
        yield url
        return
    with private_cluster() as cluster:
        assert hub(cluster.url, "db", "upgrade").returncode == 0
        yield cluster.url


@pytest.mark.slow
def test_kill_during_ingest_then_retry(database: str, tmp_path: Path) -> None:
    url = database
    demo = hub(url, "demo", "--scale", "tiny", "--no-tokens")
    assert demo.returncode == 0, demo.stderr
    token = issue(url, "audit-commission", "submitter")
    body, rows = _big_csv(url)

    port = free_port()
    with server(url, port, tmp_path / "hub.log") as process:
        failures: list[BaseException] = []
        if url.startswith("sqlite"):
            writing = _sqlite_writing(Path(url.split("///", 1)[1]))
        else:
            writing = _postgres_writing(url)

        def send() -> None:
            try:
                _post(port, token, body, timeout=120)
            except httpx.TransportError as error:  # expected: the server dies under it
                failures.append(error)

        client = threading.Thread(target=send, daemon=True)
        client.start()
        deadline = time.monotonic() + 60  # kill once the batch is being written
        while time.monotonic() < deadline and not writing():
            time.sleep(0.02)
        time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        client.join(timeout=60)
        assert not client.is_alive()
        assert failures, "the ingest finished before the kill: nothing was interrupted"

    stored, statuses = _count(url)
    assert (stored, statuses) in ((0, []), (rows, ["applied"])), (stored, statuses, rows)
    killed_before_commit = stored == 0

    port = free_port()
    with server(url, port, tmp_path / "hub.log"):
        _evaluated(url)  # a batch committed before the kill is evaluated at start-up
        retry = _post(port, token, body, timeout=300)
        assert retry.status_code == (201 if killed_before_commit else 200), retry.text[:500]
        _evaluated(url)
        again = _post(port, token, body, timeout=300)
        assert again.status_code == 200, again.text[:500]
        assert again.json()["replayed"] is True
    assert _count(url) == (rows, ["applied"])

    verified = hub(url, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
