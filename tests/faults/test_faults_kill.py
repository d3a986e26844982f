"""kill -9 of a hub process in the middle of a large ingest (uvicorn on 127.0.0.1, SQLite file):
after a restart the batch is wholly present or wholly absent, a retry with the same
Idempotency-Key applies it exactly once, and `hub audit verify` passes."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

HUB = str(Path(sys.executable).with_name("hub"))
KEY = "faults-test-signing-key-0123456789abcdef"
PERIODS = [f"{year}-Q{q}" for year in range(2000, 2010) for q in range(1, 5)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "HUB_AUDIT_SIGNING_KEY": KEY,
        "HUB_LOG_LEVEL": "warning",
        "HUB_RATE_LIMIT_PER_MINUTE": "0",
    }


def _hub(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args], env=_env(db), capture_output=True, text=True, timeout=300, check=False
    )


@contextmanager
def _server(db: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [HUB, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the hub did not start"
            assert time.monotonic() < deadline, "the hub did not answer /healthz within 60 s"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _big_csv(db: Path) -> tuple[bytes, int]:
    with sqlite3.connect(db) as connection:
        authorities = [r[0] for r in connection.execute("SELECT gss_code FROM authority")]
        indicators = [
            r[0] for r in connection.execute("SELECT code FROM indicator WHERE code LIKE 'NI%'")
        ]
    lines = ["authority,indicator,period,value,status"]
    for authority in authorities:
        for indicator in indicators[:60]:
            for period in PERIODS:
                lines.append(f"{authority},{indicator},{period},{len(lines) % 97}.5,final")
    return ("\n".join(lines) + "\n").encode(), len(lines) - 1


def _count(db: Path, key: str) -> tuple[int, list[str]]:
    with sqlite3.connect(db) as connection:
        statuses = [
            r[0]
            for r in connection.execute(
                "SELECT status FROM ingest_batch WHERE idempotency_key = ?", (key,)
            )
        ]
        rows = connection.execute(
            "SELECT count(*) FROM observation o JOIN ingest_batch b ON b.id = o.batch_id "
            "WHERE b.idempotency_key = ?",
            (key,),
        ).fetchone()[0]
    return int(rows), statuses


def _post(port: int, token: str, body: bytes, key: str, timeout: float) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/ingest/ac-caa",
        params={"dataset": "national-indicators"},
        content=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/csv",
            "Idempotency-Key": key,
        },
        timeout=timeout,
    )


@pytest.mark.slow
def test_kill_during_ingest_then_retry(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    assert _hub(db, "db", "upgrade").returncode == 0
    demo = _hub(db, "demo", "--scale", "tiny", "--no-tokens")
    assert demo.returncode == 0, demo.stderr
    issued = _hub(db, "token", "issue", "--org", "audit-commission", "--role", "submitter")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    body, rows = _big_csv(db)
    key = "faults-kill-9"
    wal = Path(f"{db}-wal")

    port = _free_port()
    with _server(db, port) as server:
        wal_before = wal.stat().st_size if wal.exists() else 0
        failures: list[BaseException] = []

        def send() -> None:
            try:
                _post(port, token, body, key, timeout=120)
            except httpx.TransportError as error:  # expected: the server dies under it
                failures.append(error)

        client = threading.Thread(target=send, daemon=True)
        client.start()
        # kill once the batch's transaction is writing (the WAL grows), at most 60 s on
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > wal_before + 2_000_000:
                break
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        client.join(timeout=60)
        assert not client.is_alive()
        assert failures, "the ingest finished before the kill: nothing was interrupted"

    stored, statuses = _count(db, key)
    assert (stored, statuses) in ((0, []), (rows, ["applied"])), (stored, statuses, rows)
    killed_before_commit = stored == 0

    port = _free_port()
    with _server(db, port):
        retry = _post(port, token, body, key, timeout=300)
        assert retry.status_code == (201 if killed_before_commit else 200), retry.text[:500]
        again = _post(port, token, body, key, timeout=300)
        assert again.status_code == 200, again.text[:500]
        assert again.json()["replayed"] is True
    assert _count(db, key) == (rows, ["applied"])

    verified = _hub(db, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
