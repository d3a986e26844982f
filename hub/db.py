"""The database engine and the one unit of work; commits happen here and nowhere else.

Every statement is bounded by HUB_DB_STATEMENT_TIMEOUT_MS, enforced by the database itself so
that a stopped request also stops its work there: PostgreSQL's `statement_timeout` (set for
each connection when it opens), and on SQLite a progress handler that interrupts a statement
once its time is up (SQLite has no timeout of its own; the handler runs every few thousand
virtual-machine steps, in the connection's thread). `is_statement_timeout` recognises the
error either raises.
"""

import math
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_

from hub.settings import Settings

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout
_DEADLINE = "hub_statement_deadline"  # key in each SQLite connection's info dictionary
_STEPS = 10_000  # SQLite virtual-machine steps between two looks at the clock


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class _Deadline:
    """When the running statement of one SQLite connection must stop (its progress handler)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lifted = False  # for the rest of this transaction (see lift_statement_timeout)
        self.until = math.inf

    def start(self) -> None:
        self.until = math.inf if self.lifted else time.monotonic() + self.seconds

    def stop(self) -> None:
        self.until = math.inf

    def __call__(self) -> int:
        return 1 if time.monotonic() > self.until else 0


def _sqlite_statement_timeout(engine: AsyncEngine, seconds: float) -> None:
    def connect(dbapi_connection: Any, record: Any) -> None:
        deadline = _Deadline(seconds)
        record.info[_DEADLINE] = deadline
        await_(dbapi_connection.driver_connection.set_progress_handler(deadline, _STEPS))

    def deadline_of(connection: Connection | None) -> _Deadline | None:
        found = connection.info.get(_DEADLINE) if connection is not None else None
        return found if isinstance(found, _Deadline) else None

    def before(connection: Connection, *_: Any) -> None:
        if deadline := deadline_of(connection):
            deadline.start()

    def after(connection: Connection, *_: Any) -> None:
        if deadline := deadline_of(connection):
            deadline.stop()

    def failed(context: Any) -> None:
        if deadline := deadline_of(context.connection):
            deadline.stop()

    def ended(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        if isinstance(deadline := record.info.get(_DEADLINE), _Deadline):
            deadline.lifted = False

    sync = engine.sync_engine
    event.listen(sync, "connect", connect)
    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    event.listen(sync, "handle_error", failed)
    event.listen(sync, "checkin", ended)  # a pool event: on the engine, it outlives dispose()


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for the configured URL, tuned for its backend."""
    url = settings.database_url
    timeout_ms = settings.db_statement_timeout_ms
    if is_sqlite(url):
        engine = create_async_engine(url, echo=settings.db_echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if timeout_ms:
            _sqlite_statement_timeout(engine, timeout_ms / 1000)
        return engine
    # asyncpg keeps each statement prepared; after five runs PostgreSQL may plan it once for
    # any parameters (a generic plan), and for the policy's filters over arrays of ids that
    # plan is several times slower than one made for the actual ids (a region's series:
    # 28 ms against 7). Planning each run costs about a millisecond for those, far less for
    # the rest.
    # No JIT compilation: it starts above a cost estimate (jit_above_cost), which the policy's
    # filters inflate, and then compiles for longer than the statement runs (a region's panel
    # as objects: 219 ms of compiling for a 25 ms statement).
    server_settings = {"plan_cache_mode": "force_custom_plan", "jit": "off"}
    if timeout_ms:
        server_settings["statement_timeout"] = str(timeout_ms)
    engine = create_async_engine(
        url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        connect_args={"server_settings": server_settings},
    )
    event.listen(engine.sync_engine, "checkout", _ping)  # a pool event: outlives dispose()
    return engine


def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Check a pooled PostgreSQL connection before lending it, so that after the server
    restarts no request meets a dead connection: on failure every connection pooled before now
    is replaced (raising DisconnectionError makes the pool connect afresh, or fail with the
    connect error while the server is away). SQLAlchemy's own `pool_pre_ping` does the same in
    three round trips (it wraps the ping in BEGIN and ROLLBACK for pgbouncer); this is one."""
    try:
        await_(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as error:
        raise InvalidatePoolError(f"the connection failed its ping: {error!r}") from error


_READS = weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine]()


def reads(engine: AsyncEngine) -> AsyncEngine:
    """`engine` for statements that only read, each on its own connection: on PostgreSQL in
    autocommit, which spares each read the BEGIN and ROLLBACK round trips (one statement sees
    one snapshot either way); on SQLite the engine itself (a SELECT opens no transaction there,
    and switching the isolation level costs a PRAGMA)."""
    if engine.dialect.name != "postgresql":
        return engine
    if (found := _READS.get(engine)) is None:
        found = _READS[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


def lift_statement_timeout(connection: Connection) -> None:
    """No statement timeout for the rest of `connection`'s transaction (schema migrations,
    which may rewrite large tables)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    elif isinstance(deadline := connection.info.get(_DEADLINE), _Deadline):
        deadline.lifted = True


def is_statement_timeout(error: BaseException | None) -> bool:
    """Whether `error`, or an error it wraps, is a statement stopped by the statement timeout
    (PostgreSQL: query_canceled; SQLite: interrupted)."""
    seen = 0
    while error is not None and seen < 10:
        original = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        for candidate in (error, original):
            if getattr(candidate, "sqlstate", None) == QUERY_CANCELED:
                return True
            if isinstance(candidate, sqlite3.OperationalError) and (
                getattr(candidate, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT
            ):
                return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


# SQLSTATEs of a server that is going away or not there yet (class 08: connection exceptions)
_UNAVAILABLE = ("08", "57P01", "57P02", "57P03")


_BUSY = "database is locked"


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error`, or an error it wraps, means the database cannot be reached just now
    (refused or lost connection, a server shutting down, crashed or still starting; SQLite
    busy past its timeout): a request that met it may succeed when retried a little later."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ConnectionError) or getattr(error, "connection_invalidated", False):
            return True
        if isinstance(error, OSError) and "connect" in str(error).lower():  # asyncio's connect
            return True
        for candidate in (error, getattr(error, "orig", None)):
            if isinstance(candidate, sqlite3.OperationalError) and _BUSY in str(candidate):
                return True  # SQLite's one writer held the lock past the busy timeout
            state = getattr(candidate, "sqlstate", None)
            if isinstance(state, str) and state.startswith(_UNAVAILABLE):
                return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


INGEST_LOCK = 0x6875_6201  # advisory-lock namespace: ingest batches, one lock per source


async def take_turns(connection: AsyncConnection, namespace: int, key: int) -> None:
    """Make the transactions that call this with the same (namespace, key) run one after the
    other from here to their end: a PostgreSQL advisory lock released at commit or rollback.
    SQLite needs nothing: its writers already take turns on the database's write lock."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(namespace, key)))


def sqlite_thread_engine(engine: AsyncEngine) -> Engine | None:
    """A synchronous engine on the same SQLite file, with the same pragmas, for short write
    transactions and small reads (a bearer token's, reference rows: Reader.small_rows) run
    whole in one worker thread; None for PostgreSQL or an in-memory database (which another
    engine would not see)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if str(url.query.get("mode", "")) == "memory":
        return None
    sync = create_sync_engine(url.set(drivername="sqlite+pysqlite"), echo=engine.echo)
    event.listen(sync, "connect", _sqlite_pragmas)
    return sync


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work is committed whole on success and rolled back whole on error."""
    async with sessions() as session, session.begin():
        yield session
