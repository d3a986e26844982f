"""Tells live subscribers that alerts were raised, in every hub process on the same database.

PostgreSQL: the transaction that raises alerts sends `NOTIFY hub_alert, '<id>'` (delivered on
commit, to every process); each process LISTENs on one dedicated asyncpg connection and fans
the ids out to its subscribers. SQLite: one process, so the commit hands the ids straight to the
brokers of this process on the same database. Only ids travel: each subscriber re-reads the
alert through the policy before delivering it.

If the LISTEN connection drops (PostgreSQL restarted, a network fault), the broker reconnects
with backoff and then catches up: it delivers the alerts whose ids are above the last one it saw
(the gap while it was away). One caveat: an alert whose transaction took its id before the last
one seen but committed only while the broker was away is not caught up (ids are not committed in
order); alert transactions are short, so the window is milliseconds wide.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Any

import asyncpg
from sqlalchemy import String, cast, event, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from hub.models import Alert

CHANNEL = "hub_alert"
PING_SECONDS = 15.0  # how often an idle LISTEN connection is checked (a silent network fault)
BACKOFF_SECONDS = (0.2, 10.0)  # first and longest wait between reconnection attempts
CATCH_UP_MAX = 10_000  # alert ids delivered at most after one outage
RECENT = 4096  # ids remembered, so none is delivered twice (a catch-up overlaps a notification)
log = logging.getLogger("hub.signals")
_LOCAL: dict[str, weakref.WeakSet[Broker]] = {}


def _key(url: URL) -> str:
    return url.render_as_string(hide_password=True)


class Broker:
    """One per application: its subscribers are the live subscriptions of this process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.url = engine.url
        self.postgres = engine.dialect.name == "postgresql"
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[int]]] = set()
        self._listener: Any = None
        self._watcher: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self._last_id: int | None = None  # the highest alert id seen (None: not yet listening)
        self._recent: OrderedDict[int, None] = OrderedDict()
        if not self.postgres:
            _LOCAL.setdefault(_key(self.url), weakref.WeakSet()).add(self)

    async def start(self) -> None:
        """Listen for NOTIFY on PostgreSQL (a dedicated connection, watched and re-established
        when lost); nothing to do on SQLite. A database that cannot be reached now does not stop
        the hub starting: the watcher keeps trying (nobody can subscribe meanwhile, since
        authenticating needs the database too)."""
        async with self._starting:
            if not self.postgres or self._watcher is not None:
                return
            try:
                self._listener = await self._listen()
                await self._catch_up(self._listener)
            except Exception:  # any failure: the database is unreachable for now
                log.warning("cannot LISTEN on %s yet: the database is unreachable", CHANNEL)
                if self._listener is not None:
                    self._listener.terminate()
                self._listener = None
            self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            with suppress(asyncio.CancelledError):
                await watcher
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()

    async def _listen(self) -> Any:
        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            await connection.add_listener(CHANNEL, self._notified)
        except BaseException:
            connection.terminate()
            raise
        return connection

    async def _watch(self) -> None:
        """Wait for the LISTEN connection to drop; then reconnect, catch up, and wait again."""
        while True:
            if self._listener is not None:
                await self._until_lost(self._listener)
                self._listener.terminate()
                log.warning("lost the %s LISTEN connection: reconnecting", CHANNEL)
            self._listener = await self._reconnect()
            log.warning("the %s LISTEN connection is back; caught up", CHANNEL)

    async def _reconnect(self) -> Any:
        """A new LISTEN connection, once the alerts raised meanwhile have been delivered."""
        delay, longest = BACKOFF_SECONDS
        while True:
            connection = None
            try:
                connection = await self._listen()
                await self._catch_up(connection)
                return connection
            except Exception:  # any failure: the connection is unusable
                if connection is not None:
                    connection.terminate()
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)

    async def _until_lost(self, connection: Any) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        while not connection.is_closed():
            try:
                await asyncio.wait_for(lost.wait(), PING_SECONDS)
            except TimeoutError:
                try:
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), PING_SECONDS)
                except Exception:  # any failure: the connection is unusable
                    return

    async def _catch_up(self, connection: Any) -> None:
        """Deliver the alerts raised while this broker was not listening; the first time, only
        note where the alerts stand (earlier ones are history, not news)."""
        if self._last_id is None:
            self._last_id = await connection.fetchval("SELECT coalesce(max(id), 0) FROM alert")
            return
        rows = await connection.fetch(
            "SELECT id FROM alert WHERE id > $1 ORDER BY id LIMIT $2", self._last_id, CATCH_UP_MAX
        )
        self.deliver(row["id"] for row in rows)

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            ids = [int(payload)]
        except ValueError:
            log.warning("ignored a malformed %s notification: %r", CHANNEL, payload)
            return
        self.deliver(ids)

    def deliver(self, ids: Iterable[int]) -> None:
        """Hand ids to every subscriber, on its own event loop (subscribers may live on
        another thread's loop, as under a test client)."""
        found = [i for i in ids if i not in self._recent]
        for alert_id in found:
            self._recent[alert_id] = None
            self._last_id = max(self._last_id or 0, alert_id)
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        for loop, queue in list(self._subscribers):
            for alert_id in found:
                loop.call_soon_threadsafe(queue.put_nowait, alert_id)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[int]]:
        """A queue receiving the id of every alert raised from now on, until the block ends."""
        await self.start()
        entry = (asyncio.get_running_loop(), asyncio.Queue[int]())
        self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            self._subscribers.discard(entry)


def _publish_local(url: URL, ids: list[int]) -> None:
    for broker in list(_LOCAL.get(_key(url), ())):
        broker.deliver(ids)


async def announce(session: AsyncSession, ids: list[int]) -> None:
    """Announce alerts raised in the session's transaction, once (and only if) it commits."""
    if not ids:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        notify = func.pg_notify(CHANNEL, cast(Alert.id, String))
        await session.execute(select(notify).where(Alert.id.in_(ids)))
        return
    url = bind.engine.url

    def committed(_session: Session) -> None:
        _publish_local(url, ids)

    event.listen(session.sync_session, "after_commit", committed, once=True)
