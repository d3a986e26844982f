"""The benchmark suite: the hub against its floor (hand-written SQL) and its peer (PostGraphile
v5 under row-level security), over HTTP, on the full demo workload.

    .venv/bin/python -m bench.suite --backend sqlite|postgres|both [--runs 30] [--seconds 10]

Builds the workload if missing (SQLite: bench/results/full.db; PostgreSQL: database hub_bench on
--pg), starts each server as a real process on loopback, runs every scenario of
bench/scenarios.py through bench/load.py (a separate process: sequential p50/p95, then 16
concurrent clients), and writes bench/results/suite-<time>.json and a table beside it. On
PostgreSQL it also installs the peer into bench/.peer/ (npm: node@22, postgraphile@5), applies
bench/rls.sql to hub_bench, and compares one hub process with two. Then the quarter's ingest
(bench/ingest_quarter.py). Every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.ingest_quarter import free_port, peak_rss_mb
from bench.scenarios import Scenario, floor_variables, hub_variables, scenarios
from hub.auth.tokens import issue_token
from hub.db import create_engine, session_factory, unit_of_work
from hub.demo import demo_loaded, load_demo
from hub.migrate import upgrade
from hub.models.enums import Role
from hub.settings import Settings
from hub.signals import recover

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PEER = ROOT / "bench" / ".peer"
WHO = {
    "riep": ("riep-west-midlands", Role.RIEP_ANALYST),
    "idea": ("idea", Role.IDEA_ANALYST),
    "auditor": ("hub-audit", Role.AUDITOR),
}


async def workload(backend: str, pg: str) -> str:
    """The database URL of the full demo on `backend`, loaded on first use and kept."""
    if backend == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        url = f"sqlite+aiosqlite:///{RESULTS / 'full.db'}"
    else:
        admin = create_async_engine(make_url(pg), isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            found = "SELECT 1 FROM pg_database WHERE datname = 'hub_bench'"
            if (await connection.execute(text(found))).first() is None:
                await connection.execute(text("CREATE DATABASE hub_bench"))
        await admin.dispose()
        url = make_url(pg).set(database="hub_bench").render_as_string(hide_password=False)
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    if not await demo_loaded(engine):
        started = time.perf_counter()
        await load_demo(engine, "full")
        print(f"  loaded the full demo in {time.perf_counter() - started:.0f} s", flush=True)
    # A served hub evaluates the signal rules of unchecked batches at start-up: do it here, so
    # no scenario is measured beside that evaluation (on SQLite it holds the write lock).
    started = time.perf_counter()
    if raised := await recover(session_factory(engine)):
        took = time.perf_counter() - started
        print(f"  signal rules evaluated in {took:.0f} s: {len(raised)} alerts", flush=True)
    await engine.dispose()
    if backend != "sqlite":
        await _vacuum_analyze(url)
    return url


async def _vacuum_analyze(url: str) -> None:
    """What autovacuum does on a served database, and does not on this machine's server (it is
    off): statistics for every table (the demo loader analyses only those it bulk-loads; the
    planner misjudged the small agreement tables without them) and the visibility map."""
    engine = create_async_engine(make_url(url), isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("VACUUM ANALYZE"))
    await engine.dispose()


async def tokens(url: str) -> dict[str, str]:
    engine = create_engine(Settings(database_url=url))
    async with unit_of_work(session_factory(engine)) as session:
        found = {
            who: await issue_token(session, org_code=org, role=role, name=f"bench-{who}")
            for who, (org, role) in WHO.items()
        }
    await engine.dispose()
    return found


def _wait(port: int, path: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server on {port} did not start")


@contextmanager
def server(command: list[str], env: dict[str, str], path: str) -> Iterator[tuple[int, int]]:
    """Run one server process on a free loopback port; yields (port, pid)."""
    port = free_port()
    full = [c.replace("{port}", str(port)) for c in command]
    process = subprocess.Popen(full, cwd=ROOT, env={**os.environ, **env})
    try:
        _wait(port, path, process)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def uvicorn(app: str, workers: int = 1) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", "{port}"]
    command += ["--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    return [*command[:3], "--factory", *command[3:]] if app.startswith("hub.") else command


def install_peer() -> Path:
    """node@22 and postgraphile@5 from npm into bench/.peer/ (ignored by git), once."""
    node = PEER / "node_modules" / ".bin" / "node"
    if not node.exists():
        PEER.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "bench" / "peer" / "package.json", PEER / "package.json")
        npm = ["npm", "install", "--no-audit", "--no-fund"]
        subprocess.run(npm, cwd=PEER, check=True)
        subprocess.run(["npm", "rebuild", "node"], cwd=PEER, check=True)
    return node


def peer_command(node: Path, pg_url: str) -> list[str]:
    url = make_url(pg_url)
    connection = f"postgres://bench_riep@{url.host}:{url.port or 5432}/{url.database}"
    cli = PEER / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
    if not cli.exists():
        cli = PEER / "node_modules" / ".bin" / "postgraphile"
    preset = ["-P", "postgraphile/presets/amber", "-s", "public"]
    return [str(node), str(cli), *preset, "-c", connection, "-n", "127.0.0.1", "-p", "{port}"]


def apply_rls(pg_url: str) -> None:
    url = make_url(pg_url)
    command = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(url.host), "-U", str(url.username)]
    command += ["-d", str(url.database), "-f", str(ROOT / "bench" / "rls.sql")]
    subprocess.run(command, check=True, capture_output=True)


def load(
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    args: argparse.Namespace,
    clients: int | None = None,
) -> dict[str, Any]:
    spec = {
        "url": url,
        "body": body,
        "headers": headers,
        "runs": args.runs,
        "clients": clients or args.clients,
        "seconds": args.seconds,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.load", f.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip()[-400:]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _hub(s: Scenario, port: int, token: str, args: argparse.Namespace) -> dict[str, Any]:
    body = {"query": s.query, "variables": hub_variables(s)}
    headers = {"Authorization": f"Bearer {token}"}
    return load(f"http://127.0.0.1:{port}/graphql", body, headers, args)


def uptime() -> str:
    return Path("/proc/loadavg").read_text().strip()


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"[{backend}] workload", flush=True)
    url = asyncio.run(workload(backend, args.pg))
    keys = asyncio.run(tokens(url))
    out: dict[str, Any] = {"backend": backend, "load_before": uptime(), "scenarios": {}}
    env = {"HUB_DATABASE_URL": url, "HUB_LOG_LEVEL": "warning", "BENCH_FLOOR_URL": url}
    # One token makes every request of a scenario: the per-token rate limit still runs, set
    # far above what the machine can serve (at the default, 1,200 a minute with a burst of
    # 200, a fast scenario's 16 clients were refused with 429).
    env |= {"HUB_RATE_LIMIT_PER_MINUTE": "6000000", "HUB_RATE_LIMIT_BURST": "100000"}
    _side_by_side(backend, url, env, keys, args, out)
    if backend == "postgresql":
        out["processes"] = _processes(env, keys, args)
    out["load_after"] = uptime()
    if args.ingest:
        ingest = [sys.executable, "bench/ingest_quarter.py", "--backend", backend, "--big-mb", "0"]
        done = subprocess.run(ingest, cwd=ROOT, capture_output=True, text=True, timeout=1200)
        out["ingest"] = done.stdout.strip().splitlines()[-12:]
    return out


def _side_by_side(
    backend: str,
    url: str,
    env: dict[str, str],
    keys: dict[str, str],
    args: argparse.Namespace,
    out: dict[str, Any],
) -> None:
    """Every scenario on the hub, the floor and (PostgreSQL) the peer, all three serving at
    once, each scenario on every server before the next: this machine's speed drifts over
    minutes, and a ratio is fair only between figures taken close together (when each server
    ran every scenario in turn, a slow spell fell on one server alone)."""
    found: dict[str, dict[str, Any]] = out["scenarios"]
    with ExitStack() as servers:
        hub = servers.enter_context(server(uvicorn("hub.cli.serve:served_app"), env, "/healthz"))
        floor, _pid = servers.enter_context(server(uvicorn("bench.floor:app"), env, "/"))
        peer: tuple[int, int] | None = None
        if backend == "postgresql":
            apply_rls(url)
            peer_env = {"GRAPHILE_ENV": "production", "NODE_ENV": "production"}
            command = peer_command(install_peer(), url)
            peer = servers.enter_context(server(command, peer_env, "/graphql"))
        for s in scenarios():
            print(f"[{backend}] {s.name}", flush=True)
            found[s.name] = {"hub": _hub(s, hub[0], keys[s.who], args)}
            found[s.name]["floor"] = load(
                f"http://127.0.0.1:{floor}/{s.name}", floor_variables(s), {}, args
            )
            if peer is not None and s.peer_query is not None:
                body = {"query": s.peer_query, "variables": s.peer_variables}
                found[s.name]["peer"] = load(f"http://127.0.0.1:{peer[0]}/graphql", body, {}, args)
        out["hub_peak_rss_mb"] = round(peak_rss_mb(hub[1]), 1)
        if peer is not None:
            out["peer_peak_rss_mb"] = round(peak_rss_mb(peer[1]), 1)


def _processes(
    env: dict[str, str], keys: dict[str, str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """The panel's throughput from one hub process and from two."""
    found: dict[str, dict[str, Any]] = {}
    for workers in (1, 2):
        with server(uvicorn("hub.cli.serve:served_app", workers), env, "/healthz") as (port, _):
            for s in scenarios():
                if s.name in ("panel", "panel_series"):
                    print(f"[postgresql] {workers} hub process(es) {s.name}", flush=True)
                    found.setdefault(s.name, {})[str(workers)] = _hub(s, port, keys[s.who], args)
    return found


def table(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"## {r['backend']}  (load {r['load_before']} -> {r['load_after']}; "
            f"hub peak RSS {r.get('hub_peak_rss_mb')} MB)"
        )
        lines.append(
            f"{'scenario':<14}{'server':<7}{'min ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'req/s@16':>10}"
            f"{'hub/floor':>11}{'hub/peer':>10}"
        )
        for name, servers in r["scenarios"].items():
            hub = servers.get("hub", {})
            for who, m in servers.items():
                if "error" in m:
                    lines.append(f"{name:<14}{who:<7} ERROR {m['error'][:80]}")
                    continue
                ratio_f = ratio_p = ""
                if who == "floor" and "p50_ms" in hub:
                    ratio_f = f"{hub['p50_ms'] / m['p50_ms']:.2f}"
                if who == "peer" and "p50_ms" in hub:
                    ratio_p = f"{hub['p50_ms'] / m['p50_ms']:.2f}"
                lines.append(
                    f"{name:<14}{who:<7}{m['min_ms']:>9.1f}{m['p50_ms']:>9.1f}{m['p95_ms']:>9.1f}"
                    f"{m['throughput_rps']:>10.1f}{ratio_f:>11}{ratio_p:>10}"
                )
        for name, by in r.get("processes", {}).items():
            one, two = by.get("1", {}), by.get("2", {})
            if "throughput_rps" in one and "throughput_rps" in two:
                gain = two["throughput_rps"] / one["throughput_rps"]
                lines.append(
                    f"{name}: 1 process {one['throughput_rps']} req/s, 2 processes "
                    f"{two['throughput_rps']} req/s, x{gain:.2f}"
                )
        lines += r.get("ingest", [])
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=30, help="sequential requests per scenario")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10, help="of concurrent load")
    parser.add_argument("--no-ingest", dest="ingest", action="store_false")
    args = parser.parse_args()
    backends = {"sqlite": ["sqlite"], "postgres": ["postgresql"]}.get(
        args.backend, ["sqlite", "postgresql"]
    )
    results = [run_backend(b, args) for b in backends]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"suite-{stamp}.json").write_text(json.dumps(results, indent=2))
    readable = table(results)
    (RESULTS / f"suite-{stamp}.txt").write_text(readable)
    print(readable)


if __name__ == "__main__":
    main()
