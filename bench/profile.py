"""Profile one bench scenario inside the hub's process (pyinstrument), to see what dominates.

    .venv/bin/python -m bench.profile panel_series [--url URL] [--runs 20]

Runs the scenario of bench/scenarios.py through the whole app in-process (ASGI, no socket)
on a database that already holds the full demo (bench/suite.py builds it), after a warm-up,
and prints pyinstrument's call tree of the measured runs and the SQL time per statement kind.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from typing import Any

import httpx
from pyinstrument import Profiler
from sqlalchemy import event

from bench.scenarios import hub_variables, scenarios
from bench.suite import RESULTS, tokens
from hub.app import create_app
from hub.cli.serve import GC_THRESHOLDS
from hub.settings import Settings

SHOW_ALL = bool(__import__("os").environ.get("BENCH_PROFILE_ALL"))


def _sql_timer(engine: Any) -> dict[str, list[float]]:
    spent: dict[str, list[float]] = {}

    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took = (time.perf_counter() - conn.info["bench_started"]) * 1000
        spent.setdefault(" ".join(statement.split())[:70], []).append(took)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    return spent


async def main(url: str, name: str, runs: int, plain: bool) -> None:
    # The per-token rate limit out of reach, as bench/suite.py sets it: past its burst, the
    # requests timed would be refusals (429).
    limits = {"rate_limit_per_minute": 6_000_000, "rate_limit_burst": 100_000}
    app = create_app(Settings(database_url=url, **limits))
    spent = _sql_timer(app.state.engine)
    keys = await tokens(url)
    s = next(x for x in scenarios() if x.name == name)
    body = {"query": s.query, "variables": hub_variables(s)}
    headers = {"Authorization": f"Bearer {keys[s.who]}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(3):
            assert (
                "errors" not in (await client.post("/graphql", json=body, headers=headers)).json()
            )
        spent.clear()
        # As `hub serve` runs: start-up's objects frozen, collections rarer (else a full
        # collection over the app lands in some runs and the p50 says little).
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        if plain:  # no profiler: the in-process latency, without HTTP and the socket
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                response = await client.post("/graphql", json=body, headers=headers)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text[:300]
            p50, low = statistics.median(times), min(times)
            print(f"{name}: p50 {p50:.1f} ms, min {low:.1f} ms")
            return
        profiler = Profiler(async_mode="enabled")
        started = time.perf_counter()
        with profiler:
            for _ in range(runs):
                await client.post("/graphql", json=body, headers=headers)
        took = (time.perf_counter() - started) * 1000 / runs
    print(profiler.output_text(unicode=True, show_all=SHOW_ALL))
    print(f"{name}: {took:.1f} ms per request (profiled)")
    for statement, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {sum(times) / runs:7.1f} ms  {statement}")
    await app.state.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=[s.name for s in scenarios()])
    parser.add_argument("--url", default=f"sqlite+aiosqlite:///{RESULTS / 'full.db'}")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--plain", action="store_true", help="time without the profiler")
    options = parser.parse_args()
    asyncio.run(main(options.url, options.scenario, options.runs, options.plain))
