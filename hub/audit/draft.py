"""What a request collects for its access record while it runs.

The recording middleware creates the draft and puts it in a context variable (and in
`scope["state"]["access"]`); inner layers fill it in: the principal and purpose (`bind_state`),
the GraphQL operation (hub.audit.extension), the rows returned (the reader's notes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.auth.principal import AuthenticatedPrincipal
from hub.models.base import utcnow
from hub.models.enums import AccessOutcome

Touched = Counter[tuple[str, int | None, int | None]]


@dataclass
class AccessDraft:
    operation_type: str
    operation_name: str | None = None
    at: datetime = field(default_factory=utcnow)
    client_addr: str | None = None
    user_agent: str | None = None
    document_hash: str | None = None
    variables: dict[str, Any] | None = None
    outcome: AccessOutcome | None = None  # as the operation saw it; the HTTP status may override
    status: int | None = None
    trace_id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)  # the request's state, after auth
    touched: Touched | None = None  # the reader's notes, shared by reference
    # Looks up, once the rows are sent, the agreement version behind each authority's rows.
    granting: Callable[[], Awaitable[dict[tuple[str, int], int]]] | None = None
    versions: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def principal(self) -> AuthenticatedPrincipal | None:
        found = self.state.get("principal")
        return found if isinstance(found, AuthenticatedPrincipal) else None

    def final_outcome(self) -> AccessOutcome:
        status = self.status or 500
        if status == 401:
            return AccessOutcome.UNAUTHENTICATED
        if status == 403:
            return AccessOutcome.DENIED
        if status in (413, 429) or (status == 503 and self.outcome is AccessOutcome.LIMITED):
            return AccessOutcome.LIMITED  # 503: a statement stopped by its timeout
        if status >= 500 or (status >= 400 and self.outcome is None):
            return AccessOutcome.ERROR
        return self.outcome or AccessOutcome.ALLOWED

    def fields(self) -> dict[str, Any]:
        """The record's columns (all but id, prev_hash and record_hash)."""
        p = self.principal
        return {
            "at": self.at,
            "principal_id": p.principal_id if p else None,
            "organisation_id": p.organisation_id if p else None,
            "role": p.role.value if p else None,
            "purpose": self.state.get("purpose"),
            "operation_type": self.operation_type,
            "operation_name": self.operation_name,
            "document_hash": self.document_hash,
            "variables": self.variables,
            "outcome": self.final_outcome().value,
            "touched": self.touches(),
            "trace_id": self.trace_id,
            "client_addr": self.client_addr,
            "user_agent": self.user_agent,
        }

    def touches(self) -> list[dict[str, Any]] | None:
        if not self.touched:
            return None
        return [
            {
                "kind": kind,
                "authority_id": authority,
                "source_id": source,
                "rows": rows,
                "agreement_version_id": self.versions.get((kind, authority or 0)),
            }
            for (kind, authority, source), rows in sorted(
                self.touched.items(),
                key=lambda item: (item[0][0], item[0][1] or 0, item[0][2] or 0),
            )
        ]


CURRENT: ContextVar[AccessDraft | None] = ContextVar("hub_access_draft", default=None)


def current() -> AccessDraft | None:
    return CURRENT.get()
