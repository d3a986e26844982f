"""The client side of the bench, run as its own process so it does not share the server's
interpreter: sequential latency, then throughput with N concurrent clients on loopback.

    .venv/bin/python -m bench.load SPEC.json   # prints one JSON object of figures

SPEC: {"url", "body", "headers", "runs", "clients", "seconds", "warm"}. Loops are bounded by
count and time; every answer is checked for errors.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx


def _check(response: httpx.Response) -> int:
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"errors: {json.dumps(body['errors'])[:300]}")
    return len(response.content)


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@contextmanager
def _collector_off() -> Iterator[None]:
    """No garbage collection in the client while it times: parsing a 216 KB panel answer
    makes thousands of objects, and its collector then paused the client ~80 ms every ~38
    requests, counted against whichever server it was measuring. The parsed answers hold no
    cycles, so nothing piles up meanwhile; what does is collected between the loops."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    url, body, headers = spec["url"], spec["body"], spec.get("headers", {})
    limits = httpx.Limits(max_connections=spec["clients"] + 2)
    async with httpx.AsyncClient(timeout=120, limits=limits, headers=headers) as client:
        size = 0
        for _ in range(spec.get("warm", 3)):
            size = _check(await client.post(url, json=body))
        times = []
        with _collector_off():
            for _ in range(spec["runs"]):
                started = time.perf_counter()
                _check(await client.post(url, json=body))
                times.append((time.perf_counter() - started) * 1000)
        ordered = sorted(times)
        done = 0

        async def worker(deadline: float) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                _check(await client.post(url, json=body))
                done += 1

        with _collector_off():
            started = time.perf_counter()
            until = started + spec["seconds"]
            await asyncio.gather(*(worker(until) for _ in range(spec["clients"])))
            elapsed = time.perf_counter() - started
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(_percentile(ordered, 0.95), 2),
        "min_ms": round(ordered[0], 2),
        "runs": len(ordered),
        "throughput_rps": round(done / elapsed, 2),
        "clients": spec["clients"],
        "response_bytes": size,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        print(json.dumps(asyncio.run(measure(json.load(spec_file)))))
