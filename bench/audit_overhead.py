"""The cost of the access log: the region indicator panel with tracing on and off.

    .venv/bin/python -m bench.audit_overhead [--url URL] [--scale small] [--runs 30]

Loads the demo (a fresh SQLite file by default), then runs the panel of bench/authz_overhead.py
through two apps on the same database, one with HUB_AUDIT_ENABLED and one without, interleaved,
and prints p50/p95 and the overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.authz_overhead import REGIONS, _figures, _timed
from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.demo import demo_loaded, load_demo
from hub.migrate import upgrade
from hub.models.enums import Role
from hub.settings import Settings


async def main(url: str, scale: str, runs: int) -> None:
    on = create_app(Settings(database_url=url))
    off = create_app(Settings(database_url=url, audit_enabled=False))
    engine = on.state.engine
    await upgrade(engine)
    if not await demo_loaded(engine):
        started = time.perf_counter()
        await load_demo(engine, scale)
        print(f"loaded the {scale} demo in {time.perf_counter() - started:.0f} s")
    region, org = next(iter(REGIONS.items()))
    async with unit_of_work(session_factory(engine)) as session:
        token = await issue_token(session, org_code=org, role=Role.RIEP_ANALYST)
    args = {
        "region": region,
        "indicators": [f"NI{n}" for n in range(1, 11)],
        "from": "2008-04-01",
        "to": "2010-01-01",
    }
    times: dict[str, list[float]] = {"on": [], "off": []}
    for app in (on, off):  # warm: policy compiled, caches filled
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            await _timed(client, token, args, 3)
    for _ in range(5):  # interleaved rounds, so drift hits both alike
        for name, app in (("on", on), ("off", off)):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as client:
                found, _values = await _timed(client, token, args, max(1, runs // 5))
                times[name] += found
    print(f"{REGIONS[region]} panel ({region}), {len(times['on'])} runs each")
    print(f"  tracing on   {_figures(times['on'])}")
    print(f"  tracing off  {_figures(times['off'])}")
    overhead = statistics.median(times["on"]) / statistics.median(times["off"]) - 1
    print(f"  overhead (p50): {overhead * 100:.1f} %")
    await on.state.engine.dispose()
    await off.state.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "full"])
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    if options.url:
        asyncio.run(main(options.url, options.scale, options.runs))
    else:
        with tempfile.TemporaryDirectory() as folder:
            database = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            asyncio.run(main(database, options.scale, options.runs))
