"""The one door to stored data: every read runs here, as a principal, filtered by the policy."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Engine, Executable, QueuePool, Row, Select, Table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import Action, Authorizer, Gate, Kind
from hub.authz.constraints import RowDecision
from hub.db import reads
from hub.query.pages import Page, PageRequest, to_page

GRANTING = "granting_version_id"  # a row's column: the version behind its authority's rows


@dataclass
class AccessNotes:
    """What one request received, for its access record: rows per kind, authority and source."""

    touched: Counter[tuple[str, int | None, int | None]] = field(default_factory=Counter)
    # (kind, authority_id) -> the agreement version behind those rows (None: none needed), as
    # a statement found it beside its rows; granting_versions looks up only the others.
    granted: dict[tuple[str, int], int | None] = field(default_factory=dict)

    def note(self, kind: Kind, rows: Sequence[Row[Any]]) -> None:
        if not rows:
            return
        # Counted by (authority, source) first, in C, by position (a Row's attribute access
        # is slow): a panel notes thousands of rows.
        fields = rows[0]._fields
        owners = itemgetter(fields.index("authority_id"), fields.index("source_id"))
        granted = None
        if GRANTING in fields:  # the rows name their versions (Reader.with_versions)
            granting = itemgetter(fields.index("authority_id"), fields.index(GRANTING))
            granted = dict(map(granting, rows))
        self.add(kind, Counter(map(owners, rows)), granted)

    def add(
        self,
        kind: Kind,
        owners: Counter[tuple[int, int]],
        granted: dict[int, int | None] | None = None,
    ) -> None:
        """Rows counted already, by (authority_id, source_id); perhaps with the versions
        behind them, by authority_id."""
        name = str(kind)
        for (authority_id, source_id), n in owners.items():
            self.touched[(name, authority_id, source_id)] += n
        for authority_id, version_id in (granted or {}).items():
            self.granted[(name, authority_id)] = version_id


class Lease:
    """The connection a request's reads hold, if any (see Reader.holding)."""

    def __init__(self) -> None:
        self.held = False
        self._connection: AsyncConnection | None = None
        self._turn = asyncio.Lock()
        self._beside = 0  # reads running now on connections of their own
        self._settled = asyncio.Event()
        self._settled.set()

    async def rows(
        self, engine: AsyncEngine, stmt: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        if self._turn.locked() and _lends_at_once(engine):
            # A sibling field's read holds the connection: rather than wait for it, run beside
            # it on another (a national table's page and its quartiles at once), but only one
            # the pool lends without waiting: never a request holding one and waiting for two.
            self._beside += 1
            self._settled.clear()
            try:
                async with engine.connect() as connection:
                    return (await connection.execute(stmt, params)).all()
            finally:
                self._beside -= 1
                if not self._beside:
                    self._settled.set()
        async with self._turn:
            if self._connection is None:
                self._connection = await engine.connect()
            try:
                return (await self._connection.execute(stmt, params)).all()
            except BaseException:
                await self._drop()  # the next read starts afresh (a lost or stopped connection)
                raise

    async def release(self) -> None:
        """Gives the held connection back, and waits for reads beside it to give theirs: when
        a field fails, its siblings are cancelled and settle their connections only after the
        answer is ready, and a request must not end with the pool still lending for it."""
        self.held = False
        try:
            async with self._turn:
                await self._drop()
        finally:
            await self._settled.wait()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()


def _lends_at_once(engine: AsyncEngine) -> bool:
    """Whether the pool can lend a connection without waiting: fewer are lent than it keeps,
    so it has an idle one or makes one. Asked and taken with no await between (the pool
    counts a connection as lent before it connects), so no other task takes that room first."""
    pool = engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        return False
    return pool.checkedout() < pool.size()


@dataclass(frozen=True, slots=True)
class Reader:
    """A principal's view of the database for one request.

    Each statement takes its own pooled connection, unless the request holds one for all its
    reads (`holding`: a GraphQL query); sibling fields resolve concurrently, and one that
    finds the held connection busy runs on another if the pool lends one at once, or else
    waits its turn (Lease.rows).
    """

    sessions: async_sessionmaker[AsyncSession]
    gate: Gate
    notes: AccessNotes = field(default_factory=AccessNotes)
    lease: Lease = field(default_factory=Lease)
    # SQLite: a synchronous engine on the same file (hub.db.sqlite_thread_engine) for
    # `small_rows`; None elsewhere.
    thread_engine: Engine | None = None

    @property
    def engine(self) -> AsyncEngine:
        return reads(self.sessions.kw["bind"])

    @property
    def takes_arrays(self) -> bool:
        """Whether a list goes to the database as one array parameter (PostgreSQL); SQLite has
        no arrays (hub.query.bound.listed)."""
        return self.engine.dialect.name == "postgresql"

    @property
    def probes_lines(self) -> bool:
        """Whether a statement over few rows looks up each row's own grant lines (Gate.rows
        `few_rows`): on SQLite, which runs an EXISTS as written (a national summary's
        quartiles 16-18 ms hashing every candidate line, 8.6-9.6 probing). PostgreSQL plans
        an EXISTS as a join of its own choosing, and there probing measured slower (national
        41-45 -> 52-56 ms), so it keeps the memberships."""
        return self.engine.dialect.name == "sqlite"

    @property
    def principal(self) -> AuthenticatedPrincipal:
        return self.gate.principal

    @property
    def authorizer(self) -> Authorizer:
        return self.gate.authorizer

    def read_decisions(self, *kinds: Kind) -> tuple[RowDecision, ...]:
        """What the policy lets the caller read of each kind: what shapes the SQL conditions
        `may_read` writes, so part of the key of a statement built once (hub.query.bound)."""
        return tuple(self.gate.decision(Action.READ, kind) for kind in kinds)

    def may_read(self, kind: Kind, table: Table | None = None) -> ColumnElement[bool]:
        """The SQL condition rows of `kind` (in `table`) must meet to be returned."""
        return self.gate.rows(Action.READ, kind, table)

    def versions_beside(self, kind: Kind, table: Table) -> Select[Any] | None:
        """The versions behind rows `may_read` lets through, by authority (Gate.versions_beside)."""
        return self.gate.versions_beside(Action.READ, kind, table)

    def with_versions(
        self,
        kind: Kind,
        table: Table,
        stmt: Select[Any],
        authority: ColumnElement[Any] | None = None,
    ) -> Select[Any]:
        """`stmt` (rows of `table`, filtered by `may_read`) with one more column, GRANTING:
        the agreement version behind each row's authority, which the notes keep for the
        access record, so that no statement looks it up afterwards. `authority`: the rows'
        authority column, where `stmt` reads them under another name than `table`."""
        versions = self.versions_beside(kind, table)
        if versions is None:
            return stmt
        by_authority = versions.subquery("granting")
        owner = table.c.authority_id if authority is None else authority
        return stmt.add_columns(by_authority.c.version_id.label(GRANTING)).outerjoin(
            by_authority, by_authority.c.authority_id == owner
        )

    async def records(
        self, kind: Kind, stmt: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """Rows of performance records (with authority_id and source_id), noted for the trace."""
        found = await self.rows(stmt, params)
        self.notes.note(kind, found)
        return found

    async def page_of_records(
        self,
        kind: Kind,
        stmt: Executable,
        page: PageRequest,
        params: Mapping[str, Any] | None = None,
    ) -> Page[Row[Any]]:
        """A keyset page of records (`stmt` asks for one row more than the page, to learn of a
        next page): only the rows sent are noted, not that look-ahead row."""
        found = to_page(await self.rows(stmt, params), page)
        self.notes.note(kind, found.rows)
        return found

    async def granting_versions(self) -> dict[tuple[str, int], int]:
        """For the access record: (kind, authority_id) -> the agreement version that shared
        those rows (absent where no agreement was needed). One statement per kind touched,
        for the authorities whose versions no statement found beside their rows."""
        known = self.notes.granted
        found = {key: version for key, version in known.items() if version is not None}
        kinds = {kind for kind, _, _ in self.notes.touched}
        for kind in kinds:
            touched = {a for k, a, _ in self.notes.touched if k == kind and a is not None}
            ids = sorted(a for a in touched if (kind, a) not in known)
            if not ids:  # every version known: building the statement costs 0.5 ms
                continue
            stmt = self.gate.granting_versions(Action.READ, Kind(kind), ids)
            if stmt is not None:
                found.update({(kind, r.authority_id): r.version_id for r in await self.rows(stmt)})
        return found

    async def rows(
        self, stmt: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """`params`: the values of a statement's named parameters (hub.query.bound)."""
        if self.lease.held:
            return await self.lease.rows(self.engine, stmt, params)
        # A connection, not an ORM session: every read is a Core statement, and the session's
        # machinery cost 0.1-0.3 ms a statement.
        async with self.engine.connect() as connection:
            return (await connection.execute(stmt, params)).all()

    async def small_rows(
        self, stmt: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """`rows` of a statement whose answer is small and bounded (reference rows: a region,
        its authorities, rows by id). On a SQLite file it runs whole in a worker thread:
        through aiosqlite one statement is several hand-offs between the event loop and the
        connection's thread, about 2 ms, more than such a read itself takes."""
        if self.thread_engine is None:
            return await self.rows(stmt, params)
        return await asyncio.to_thread(_rows_in_thread, self.thread_engine, stmt, params)

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[None]:
        """All reads inside the block share one pooled connection, taken at the first: each
        checkout costs a ping (a round trip), and a region's panel reads five times. Only for
        work that writes nothing through other connections meanwhile (a query), or a pool
        full of requests each holding one connection and waiting for a second would stall."""
        self.lease.held = True
        try:
            yield
        finally:
            await self.lease.release()


def _rows_in_thread(
    engine: Engine, stmt: Executable, params: Mapping[str, Any] | None
) -> Sequence[Row[Any]]:
    with engine.connect() as connection:
        return connection.execute(stmt, params).all()
