"""Early warning: declarative rules (signals/rules.yaml) evaluated when data lands, alerts
raised as rows, and a broker that tells live subscribers across hub processes.

A served application (its lifespan started) evaluates batches in the background once they have
committed, so a submitter's response does not wait for the rules; elsewhere (the `hub ingest`
command, scripts, an app driven without its lifespan) the engine waits for them. Either way the
evaluation is its own transaction, after the batch's, and it marks the batch checked.

In the background one worker per process and database does the evaluating: a committed batch
only wakes it, and it evaluates every batch still unchecked, oldest first (`recovery_pass`),
until no new batch arrived meanwhile. So the work is serial (one pooled connection, however
many uploads), nothing is lost if a process dies between the two transactions (the next worker
finds the batch unchecked), and the worker starts a moment late, so the answer goes out first.
"""

import asyncio
import logging
import weakref
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.models.enums import BatchStatus
from hub.signals.evaluate import (
    after_batch,
    after_mutuality,
    raise_alerts,
    recover,
    recovery_pass,
    rules,
)

__all__ = [
    "after_batch",
    "after_mutuality",
    "evaluate_in_background",
    "raise_alerts",
    "recover",
    "rules",
    "settle",
    "signal_batch",
]

log = logging.getLogger("hub.signals")
START_DELAY = 0.1  # seconds the worker yields first: the ingest's answer goes out before it
BACKOFF_FIRST, BACKOFF_MOST = 0.5, 60.0  # seconds between passes while evaluations fail


class _Worker:
    """The background evaluation of one database in this process."""

    def __init__(self) -> None:
        self.wanted = False  # work arrived since the current pass began
        self.task: asyncio.Task[None] | None = None
        self.backoff = 0.0  # before the next pass: the last one had failures


_WORKERS: "weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], _Worker]" = (
    weakref.WeakKeyDictionary()
)
_RUNNING: set[asyncio.Task[None]] = set()


class _Batch(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def status(self) -> BatchStatus: ...


B = TypeVar("B", bound=_Batch)


def evaluate_in_background(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Batches ingested through `sessions` are evaluated after the ingest has answered; those
    left unchecked (a process died before evaluating them) are evaluated now."""
    _WORKERS.setdefault(sessions, _Worker())
    _wake(sessions)


def _wake(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Ask the worker for a pass; start it if it is not running. A worker already running
    makes another pass after its current one, so no wake-up is lost."""
    worker = _WORKERS[sessions]
    worker.wanted = True
    if worker.task is None or worker.task.done():
        worker.task = asyncio.create_task(_work(sessions, worker))
        _RUNNING.add(worker.task)
        worker.task.add_done_callback(_RUNNING.discard)


async def _work(sessions: async_sessionmaker[AsyncSession], worker: _Worker) -> None:
    """Recovery passes while work keeps arriving. After a pass in which a batch failed the
    next waits, longer each time, so a batch that always fails is not retried in a hot loop."""
    await asyncio.sleep(max(START_DELAY, worker.backoff))
    while worker.wanted:
        worker.wanted = False
        try:
            failed = (await recovery_pass(sessions)).failed
        except Exception:
            log.exception("evaluating the signal rules in the background failed")
            failed = [0]
        if failed:
            worker.backoff = min(max(2 * worker.backoff, BACKOFF_FIRST), BACKOFF_MOST)
            if worker.wanted:
                await asyncio.sleep(worker.backoff)
        else:
            worker.backoff = 0.0


async def signal_batch(sessions: async_sessionmaker[AsyncSession], batch: B) -> B:
    """The ingest engine's one call: evaluate an applied, committed batch (see the module
    docstring), and hand the batch back unchanged."""
    if batch.status != BatchStatus.APPLIED:
        return batch
    if sessions in _WORKERS:
        _wake(sessions)
    else:
        await after_batch(sessions, batch.id)
    return batch


async def settle() -> None:
    """Wait for the background evaluations of this process to finish (shutdown, tests)."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING))
