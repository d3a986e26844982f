"""A generated 50 MB CSV streams through one transaction with flat memory (slow: run with -m slow).

Nothing of this size is kept in the repository: the body is generated as it is sent.
"""

import random
import resource
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, insert, select

from hub.db import session_factory, unit_of_work
from hub.models import Authority, Indicator, Observation, Region
from hub.models.enums import Polarity
from tests.ingest.conftest import NORTH_EAST, Hub

TARGET_BYTES = 50 * 1024 * 1024
AUTHORITIES = [f"E07{n:06d}" for n in range(300)]
INDICATORS = [f"NI{n}" for n in range(11, 211)]  # NI1-NI10 are in the small world already


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _more_reference(hub: Hub) -> None:
    async with unit_of_work(session_factory(hub.engine)) as session:
        region = await session.scalar(select(Region.id).where(Region.code == NORTH_EAST))
        await session.execute(
            insert(Authority),
            [
                {
                    "gss_code": code,
                    "code": f"X{n:03d}",
                    "name": code,
                    "short_name": code,
                    "type": "NMD",
                    "region_id": region,
                }
                for n, code in enumerate(AUTHORITIES)
            ],
        )
        await session.execute(
            insert(Indicator),
            [
                {
                    "code": code,
                    "title": code,
                    "unit": "count",
                    "polarity": Polarity.NEUTRAL,
                    "theme_code": "test",
                }
                for code in INDICATORS
            ],
        )


async def _generated(sent: list[int]) -> AsyncIterator[bytes]:
    """About 50 MB of CSV, one quarter (300 x 200 rows) at a time."""
    rng = random.Random(50)
    yield b"authority,indicator,period,value,status\n"
    size, year, quarter = 0, 2009, 4
    while size < TARGET_BYTES:
        period = f"{year}-Q{quarter}"
        for authority in AUTHORITIES:
            block = "".join(
                f"{authority},{code},{period},{rng.uniform(0, 1000):.3f},final\n"
                for code in INDICATORS
            ).encode()
            size += len(block)
            sent[0] += len(INDICATORS)
            yield block
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)


@pytest.mark.slow
async def test_a_50_mb_file_is_applied_whole_with_flat_memory(hub: Hub) -> None:
    await _more_reference(hub)
    sent = [0]
    before = _peak_rss_mb()
    headers = {"Authorization": f"Bearer {hub.tokens['ac']}", "Content-Type": "text/csv"}
    async with hub.client() as client:
        response = await client.post(
            "/ingest/ac-caa",
            params={"dataset": "national-indicators"},
            content=_generated(sent),
            headers=headers,
            timeout=600,
        )
    grown = _peak_rss_mb() - before

    assert response.status_code == 201, response.text[:2000]
    batch = response.json()["batch"]
    assert batch["rowCount"] == batch["created"] == sent[0] > 1_200_000
    async with hub.engine.connect() as connection:
        stored = await connection.execute(select(func.count()).select_from(Observation))
        assert stored.scalar_one() == sent[0]
    assert grown < 150, f"peak memory grew by {grown:.0f} MB for a 50 MB body"
