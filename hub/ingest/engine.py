"""The ingest engine: the one path every submission takes (GraphQL, HTTP, CLI).

source and submitter from the verified principal -> adapter spec -> streamed rows -> validation
-> chunks written in ONE transaction (supersession, provenance) -> applied, or rolled back whole
and recorded as rejected with every problem. An idempotency key makes a retry exactly-once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import Action, Authorizer
from hub.authz.resources import SourceRef, SubmissionTarget
from hub.db import INGEST_LOCK, take_turns, unit_of_work
from hub.ingest.batches import BATCH, BatchView, Touched, batch_view
from hub.ingest.body import Body, PayloadTooLarge
from hub.ingest.catalogue import Catalogue, NoAdapter, UnknownDataset
from hub.ingest.errors import (
    IdempotencyConflict,
    SourceNotFound,
    SubmissionRefused,
    SubmitForbidden,
    TooLarge,
    UnsupportedFormat,
)
from hub.ingest.fields import Lookups
from hub.ingest.problems import Problems
from hub.ingest.readers import Stop, read
from hub.ingest.records import KINDS
from hub.ingest.spec import AdapterSpec, DatasetSpec, Format
from hub.ingest.store import BatchContext, Writer
from hub.ingest.validate import RowValidator
from hub.models import Authority, Indicator, Source
from hub.models.base import utcnow
from hub.models.enums import BatchStatus
from hub.settings import Settings
from hub.signals import signal_batch

_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, as HTTP headers carry it


@dataclass(frozen=True, slots=True)
class Submission:
    source: str
    format: Format
    dataset: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    batch: BatchView
    replayed: bool  # True: the key was seen with this payload; this is the original result
    touched: Touched | None = None  # what the batch wrote, for its access record (None: replay)


@dataclass(frozen=True, slots=True)
class _Target:
    source: SourceRef
    spec: AdapterSpec
    dataset: DatasetSpec


class _Rejected(Exception):
    """Raised inside the transaction so that it rolls back whole."""


class _KeyTaken(Exception):
    """Another batch committed this idempotency key while this one was being read."""


class Ingestor:
    """Applies submissions; one per application, shared by every request."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        authorizer: Authorizer,
        catalogue: Catalogue,
        settings: Settings,
    ) -> None:
        self.sessions = sessions
        self.authorizer = authorizer
        self.catalogue = catalogue
        self.settings = settings

    async def submit(
        self,
        principal: AuthenticatedPrincipal,
        submission: Submission,
        chunks: AsyncIterator[bytes],
        on_chunk: Callable[[int], None] | None = None,
    ) -> Outcome:
        """Apply one batch whole, or record it as rejected; see the module docstring."""
        target = await self._target(principal, submission)
        key = submission.idempotency_key
        if key is not None and not _KEY.fullmatch(key):
            raise SubmissionRefused("an idempotency key is 1 to 128 printable ASCII characters")
        label = f"{submission.source}\n{target.dataset.name}\n{submission.format.value}"
        body = Body(chunks, self.settings.ingest_max_body_bytes, label, on_chunk)
        try:
            existing = None if key is None else await self._existing(principal, key)
            if existing is None:
                try:
                    applied, touched = await self._apply(principal, submission, target, body)
                    return Outcome(await signal_batch(self.sessions, applied), False, touched)
                except _KeyTaken:  # a concurrent request with this key committed first
                    assert key is not None
                    existing = await self._existing(principal, key)
                    assert existing is not None  # the key is taken: its batch exists
            return await self._replay(existing, target, body)
        except PayloadTooLarge as error:
            raise TooLarge(str(error)) from None

    async def _target(self, principal: AuthenticatedPrincipal, s: Submission) -> _Target:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(Source.id, Source.code, Source.organisation_id).where(
                        Source.code == s.source
                    )
                )
            ).one_or_none()
        if row is None:
            raise SourceNotFound(f"source {s.source!r} not found")
        source = SourceRef(id=row.id, code=row.code, organisation_id=row.organisation_id)
        if not self.authorizer.is_allowed(principal, Action.SUBMIT, source):
            raise SubmitForbidden(f"you may not submit to source {s.source!r}")
        try:
            spec, dataset = self.catalogue.dataset(s.source, s.dataset)
        except NoAdapter as error:
            raise SourceNotFound(str(error)) from None
        except UnknownDataset as error:
            raise SubmissionRefused(str(error)) from None
        if s.format not in spec.formats:
            accepted = ", ".join(f.value for f in spec.formats)
            raise UnsupportedFormat(f"{spec.title} accepts {accepted}, not {s.format.value}")
        return _Target(source, spec, dataset)

    async def _existing(
        self, principal: AuthenticatedPrincipal, key: str
    ) -> Row[Any, Any, Any] | None:
        async with self.sessions() as session:
            stmt = select(BATCH.c.id, BATCH.c.source_id, BATCH.c.payload_sha256).where(
                BATCH.c.organisation_id == principal.organisation_id,
                BATCH.c.idempotency_key == key,
            )
            return (await session.execute(stmt)).one_or_none()

    async def _replay(self, existing: Row[Any, Any, Any], target: _Target, body: Body) -> Outcome:
        await body.drain()
        if existing.source_id != target.source.id or existing.payload_sha256 != body.hexdigest():
            raise IdempotencyConflict(
                f"the idempotency key was already used for a different payload (batch "
                f"{existing.id}); send this payload with a new key"
            )
        async with self.sessions() as session:
            return Outcome(await batch_view(session, existing.id), True)

    async def _lookups(self) -> Lookups:
        async with self.sessions() as session:
            authorities = (
                await session.execute(
                    select(Authority.id, Authority.gss_code, Authority.code, Authority.region_id)
                )
            ).all()
            indicators = (await session.execute(select(Indicator.id, Indicator.code))).all()
        by_code = {a.gss_code.upper(): a.id for a in authorities}
        by_code.update({a.code.upper(): a.id for a in authorities})
        return Lookups(
            authorities=by_code,
            indicators={i.code.upper().replace(" ", ""): i.id for i in indicators},
            authority_regions={a.id: a.region_id for a in authorities},
        )

    def _may_submit_for(
        self, principal: AuthenticatedPrincipal, source: SourceRef, lookups: Lookups
    ) -> Callable[[int], bool]:
        """Asks the policy once per region a batch reports on, not once per row."""
        by_region: dict[int, bool] = {}

        def allowed(authority_id: int) -> bool:
            region = lookups.authority_regions[authority_id]
            if region not in by_region:
                resource = SubmissionTarget(source_id=source.id, region_id=region)
                by_region[region] = self.authorizer.is_allowed(principal, Action.SUBMIT, resource)
            return by_region[region]

        return allowed

    async def _apply(
        self, principal: AuthenticatedPrincipal, s: Submission, target: _Target, body: Body
    ) -> tuple[BatchView, Touched]:
        received_at = utcnow()
        lookups = await self._lookups()
        problems = Problems(self.settings.ingest_max_errors)
        may_submit_for = self._may_submit_for(principal, target.source, lookups)
        validator = RowValidator(target.spec, target.dataset, lookups, may_submit_for, problems)
        values = {
            "source_id": target.source.id,
            "organisation_id": principal.organisation_id,
            "principal_id": principal.principal_id,
            "idempotency_key": s.idempotency_key,
            "format": s.format.value,
            "received_at": received_at,
        }
        try:
            async with unit_of_work(self.sessions) as session:
                connection = await session.connection()
                try:
                    batch_id = (
                        await connection.execute(
                            insert(BATCH)
                            .values(**values, status=BatchStatus.RECEIVED)
                            .returning(BATCH.c.id)
                        )
                    ).scalar_one()
                except IntegrityError:
                    if s.idempotency_key is None:
                        raise
                    raise _KeyTaken from None
                # batches of one source look up and supersede current values in turn
                await take_turns(connection, INGEST_LOCK, target.source.id)
                context = BatchContext(batch_id, target.source.id, received_at)
                writer = Writer(
                    connection,
                    target.dataset.record,
                    context,
                    problems,
                    self.settings.ingest_chunk_rows,
                )
                try:
                    async with aclosing(read(s.format, body, validator)) as blocks:
                        async for records in blocks:
                            await writer.add(records)
                    await writer.finish()
                except Stop:
                    await writer.finish()
                finally:
                    await writer.close()
                await body.drain()
                if problems:
                    raise _Rejected
                await connection.execute(
                    update(BATCH)
                    .where(BATCH.c.id == batch_id)
                    .values(
                        status=BatchStatus.APPLIED,
                        payload_sha256=body.hexdigest(),
                        row_count=validator.rows,
                        completed_at=utcnow(),
                    )
                )
                written = (writer.inserted - writer.superseded, writer.superseded)
                kind = KINDS[target.dataset.record].model
                touched: Touched = Counter(
                    {(kind, a, target.source.id): n for a, n in writer.touched.items()}
                )
                return await batch_view(session, batch_id, written), touched
        except _Rejected:
            pass
        return await self._reject(values, body, validator.rows, problems), Counter()

    async def _reject(
        self, values: dict[str, Any], body: Body, rows: int, problems: Problems
    ) -> BatchView:
        """Record the batch as rejected, with its problems and none of its records."""
        try:
            async with unit_of_work(self.sessions) as session:
                batch_id = (
                    await session.execute(
                        insert(BATCH)
                        .values(
                            **values,
                            status=BatchStatus.REJECTED,
                            payload_sha256=body.hexdigest(),
                            row_count=rows,
                            error_count=problems.count,
                            errors=problems.report(),
                            completed_at=utcnow(),
                        )
                        .returning(BATCH.c.id)
                    )
                ).scalar_one()
                return await batch_view(session, batch_id)
        except IntegrityError:
            if values["idempotency_key"] is None:
                raise
            raise _KeyTaken from None
