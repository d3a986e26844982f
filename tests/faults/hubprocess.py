"""Real hub processes for the fault tests: `hub` commands and `hub serve` (uvicorn) as OS
processes on a database URL, so that they can be killed and restarted like in production."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.faults.pgcluster import free_port

HUB = str(Path(sys.executable).with_name("hub"))
KEY = "faults-test-signing-key-0123456789abcdef"

__all__ = ["HUB", "KEY", "env", "free_port", "hub", "issue", "server", "sql"]


def env(url: str, **settings: str) -> dict[str, str]:
    """The environment of a hub process on `url`; `settings` are HUB_* names without prefix."""
    return {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_AUDIT_SIGNING_KEY": KEY,
        "HUB_LOG_LEVEL": "warning",
        "HUB_RATE_LIMIT_PER_MINUTE": "0",
        **{f"HUB_{name.upper()}": value for name, value in settings.items()},
    }


def hub(url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args],
        env=env(url, **settings),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def issue(url: str, org: str, role: str, name: str | None = None) -> str:
    """A new token (`hub token issue`)."""
    named = ["--name", name] if name else []
    issued = hub(url, "token", "issue", "--org", org, "--role", role, *named)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


@contextmanager
def server(
    url: str, port: int, log: Path | None = None, **settings: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`hub serve` on 127.0.0.1:`port`, once it answers /healthz; killed afterwards."""
    output = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [HUB, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env(url, **settings),
        stdout=output,
        stderr=output,
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
        if log:
            output.close()  # type: ignore[union-attr]


def sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    """The rows of one statement on `url` (for checking what a test's processes stored)."""

    async def run() -> list[tuple[object, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                found = await connection.execute(text(statement), params)
                return [tuple(row) for row in found]
        finally:
            await engine.dispose()

    return asyncio.run(run())
