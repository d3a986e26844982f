"""Changes made from the command line (agreements, tokens) are traced like any request.

The operator acts as the hub itself, with no token: the record names the command, its
arguments (secrets redacted) and whether it succeeded. Writing the record is part of the
command: if it cannot be written, the command fails.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.audit.redact import redact
from hub.audit.store import AccessLog, signing_key
from hub.db import session_factory, unit_of_work
from hub.models.base import utcnow
from hub.models.enums import AccessOutcome
from hub.settings import get_settings

T = TypeVar("T")


async def traced_change(
    engine: AsyncEngine,
    command: str,
    arguments: dict[str, Any],
    work: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    """Run `work` in one unit of work, then append its access record (allowed or error)."""
    settings = get_settings()
    sessions = session_factory(engine)
    outcome = AccessOutcome.ERROR
    try:
        async with unit_of_work(sessions) as session:
            result = await work(session)
        outcome = AccessOutcome.ALLOWED
        return result
    finally:
        if settings.audit_enabled:
            log = AccessLog(sessions, signing_key(settings), settings.audit_checkpoint_every)
            await log.append(
                {
                    "at": utcnow(),
                    "principal_id": None,
                    "organisation_id": None,
                    "role": "operator",
                    "purpose": None,
                    "operation_type": "cli",
                    "operation_name": f"hub {command}",
                    "document_hash": None,
                    "variables": redact(json.loads(json.dumps(arguments, default=str))),
                    "outcome": outcome.value,
                    "touched": None,
                    "trace_id": None,
                    "client_addr": None,
                    "user_agent": None,
                }
            )
