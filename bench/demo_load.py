"""Time the demo load (`hub.demo.load_demo`) at one scale into one database; print the figures.

    .venv/bin/python bench/demo_load.py --scale full
    .venv/bin/python bench/demo_load.py --scale full --url postgresql+asyncpg://postgres@127.0.0.1:5432/demo_scratch

Without --url it loads into a fresh SQLite file in a temporary directory (removed afterwards). A
--url database is migrated and emptied first when it holds only the demo; one holding other
data is refused unless --force (which deletes every row in it).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from hub.db import create_engine
from hub.demo import SCALES, load_demo, loaded_scale, reset_demo, table_counts
from hub.migrate import upgrade
from hub.settings import Settings


async def bench(url: str, scale: str, force: bool) -> int:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade(engine)
        counts = await table_counts(engine)
        if sum(counts.values()) and await loaded_scale(engine) is None and not force:
            print(f"refusing: {url} holds data that is not the demo (use --force)", file=sys.stderr)
            return 2
        started = time.perf_counter()
        await reset_demo(engine)
        reset_s = time.perf_counter() - started

        started = time.perf_counter()
        counts = await load_demo(engine, scale)
        load_s = time.perf_counter() - started
    finally:
        await engine.dispose()

    observations = counts["observation"]
    rows = sum(counts.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = url.split(":", 1)[0]
    print(f"backend        {backend}")
    print(f"scale          {scale}")
    print(f"reset          {reset_s:8.1f} s")
    print(f"load           {load_s:8.1f} s")
    print(f"observations   {observations:>10,}  {observations / load_s:>10,.0f} rows/s")
    print(f"all rows       {rows:>10,}  {rows / load_s:>10,.0f} rows/s")
    print(f"peak memory    {peak_mb:8.0f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--force", action="store_true", help="empty a database holding other data")
    args = parser.parse_args()
    if args.url:
        return asyncio.run(bench(args.url, args.scale, args.force))
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'demo.db'}"
        return asyncio.run(bench(url, args.scale, args.force))


if __name__ == "__main__":
    sys.exit(main())
