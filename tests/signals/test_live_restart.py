"""The live feed outlives a PostgreSQL restart: a hub process on a private cluster re-establishes
its LISTEN connection, and a subscriber connected throughout receives the next alert."""

import asyncio
from pathlib import Path

import pytest

from hub.db import create_engine
from hub.migrate import upgrade
from hub.settings import Settings
from tests.faults.pgcluster import private_cluster
from tests.ingest.conftest import load_reference
from tests.signals.conftest import furnish
from tests.signals.test_live import (
    _next_alert,
    _red_flag,
    _server,
    _subscribed,
    _subscriptions_recorded,
)


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_subscriber_gets_alerts_after_postgresql_restarts(tmp_path: Path) -> None:
    with private_cluster() as cluster:
        engine = create_engine(Settings(database_url=cluster.url))
        try:
            await upgrade(engine)
            tokens = await load_reference(engine)
            await furnish(engine, tokens)
            with _server(cluster.url) as port:
                async with _subscribed(port, tokens["riep"]) as north_east:
                    await _subscriptions_recorded(engine, 1)
                    await engine.dispose()  # its connections die with the server
                    await asyncio.to_thread(cluster.stop, "fast")
                    await asyncio.to_thread(cluster.start)
                    await _red_flag(port, tokens["ac"], "DAL")
                    alert = await _next_alert(north_east)
                    assert (alert["rule"], alert["authority"]["code"]) == ("caa-red-flag", "DAL")
        finally:
            await engine.dispose()
