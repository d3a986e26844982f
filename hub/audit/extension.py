"""The GraphQL operation, as its access record describes it: name, type, a hash of the document,
the variables with secrets redacted, and the outcome its errors imply."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from hub.audit.draft import CURRENT
from hub.audit.redact import redact
from hub.models.enums import AccessOutcome

DENIED_CODES = frozenset({"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"})
LIMIT_CODES = frozenset(
    {"LIMIT_EXCEEDED", "TOO_MANY_ROWS", "QUERY_TOO_COMPLEX", "PAYLOAD_TOO_LARGE"}
)


def outcome_of(errors: Sequence[GraphQLError] | None) -> AccessOutcome:
    """allowed without errors; denied if any error is a refusal (NOT_FOUND included: a denied
    single object answers exactly like a missing one, so the record cannot tell them apart);
    limited if a limit refused it; error otherwise."""
    if not errors:
        return AccessOutcome.ALLOWED
    codes = {(error.extensions or {}).get("code") for error in errors}
    if codes & DENIED_CODES:
        return AccessOutcome.DENIED
    if codes & LIMIT_CODES:
        return AccessOutcome.LIMITED
    return AccessOutcome.ERROR


class AccessRecordExtension(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        draft = CURRENT.get()
        if draft is None:
            return
        context = self.execution_context
        query = context.query or ""
        draft.document_hash = hashlib.sha256(query.encode()).hexdigest() if query else None
        draft.variables = redact(context.variables) if context.variables else None
        try:
            draft.operation_type = context.operation_type.value
        except Exception:  # an unparsable document has no operation type
            draft.operation_type = "graphql"
        draft.operation_name = context.operation_name
        errors = list(context.pre_execution_errors or [])
        if context.result is not None and context.result.errors:
            errors += context.result.errors
        draft.outcome = outcome_of(errors)
