"""The cost of authorisation: the region indicator panel with the policy and without it.

    .venv/bin/python bench/authz_overhead.py [--url URL] [--scale full] [--runs 30]

Loads the demo at the scale into the database (a fresh SQLite file by default; reuses a URL
that already holds it), then runs the same GraphQL panel (a RIEP's authorities x 10 indicators
x 8 quarters) in-process through the whole app, once with the compiled policy and once with
the policy's condition replaced by TRUE, and prints p50/p95 and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import true

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.authz import Gate
from hub.db import session_factory, unit_of_work
from hub.demo import demo_loaded, load_demo
from hub.migrate import upgrade
from hub.models.enums import Role
from hub.settings import Settings

PANEL = """
query Panel($region: String!, $indicators: [String!], $from: Date, $to: Date) {
  region(code: $region) { authorities { gssCode
    observations(indicators: $indicators, periodFrom: $from, periodTo: $to, first: 200) {
      nodes { period value status indicator { code } } } } } }
"""
REGIONS = {"E12000005": "riep-west-midlands", "E12000001": "riep-north-east"}


async def _timed(
    client: httpx.AsyncClient, token: str, variables: dict[str, Any], runs: int
) -> tuple[list[float], int]:
    headers = {"Authorization": f"Bearer {token}"}
    times, values = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": PANEL, "variables": variables}, headers=headers
        )
        times.append((time.perf_counter() - started) * 1000)
        body = response.json()
        assert "errors" not in body, body
        values = sum(len(a["observations"]["nodes"]) for a in body["data"]["region"]["authorities"])
    return times, values


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms"


async def main(url: str, scale: str, runs: int) -> None:
    app = create_app(Settings(database_url=url))
    engine = app.state.engine
    await upgrade(engine)
    if not await demo_loaded(engine):
        started = time.perf_counter()
        await load_demo(engine, scale)
        print(f"loaded the {scale} demo in {time.perf_counter() - started:.0f} s")
    variables = {
        "indicators": [f"NI{n}" for n in range(1, 11)],
        "from": "2008-04-01",
        "to": "2010-01-01",
    }
    async with unit_of_work(session_factory(engine)) as session:
        tokens = {
            r: await issue_token(session, org_code=org, role=Role.RIEP_ANALYST)
            for r, org in REGIONS.items()
        }
    transport = httpx.ASGITransport(app=app)
    original = Gate.rows
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for region, token in tokens.items():
            args = {**variables, "region": region}
            await _timed(client, token, args, 3)  # warm: policy compiled, caches filled
            with_policy, seen = await _timed(client, token, args, runs)
            Gate.rows = lambda self, action, kind, table=None: true()  # type: ignore[method-assign]
            try:
                await _timed(client, token, args, 3)
                without, everything = await _timed(client, token, args, runs)
            finally:
                Gate.rows = original  # type: ignore[method-assign]
            ratio = statistics.median(with_policy) / statistics.median(without)
            print(f"{REGIONS[region]} panel ({region})")
            print(f"  authorised    {_figures(with_policy)}  {seen} values")
            print(f"  unauthorised  {_figures(without)}  {everything} values")
            print(f"  ratio authorised / unauthorised (p50): {ratio:.2f}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--scale", default="full", choices=["tiny", "small", "full"])
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    if options.url:
        asyncio.run(main(options.url, options.scale, options.runs))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(
                main(
                    f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", options.scale, options.runs
                )
            )
