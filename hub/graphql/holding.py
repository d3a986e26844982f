"""A GraphQL query's reads share one pooled connection (Reader.holding; a sibling field's read
that finds it busy may run beside it on another the pool lends at once), and the agreement
versions its access record names are looked up on that connection before it goes back.

Only queries: a mutation writes through connections of its own, and a pool full of requests
each holding one connection while waiting for a second would stall. Subscriptions read now and
then for as long as they live, so they take a connection per read as before.
"""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from hub.audit.draft import CURRENT
from hub.graphql.context import Context


class HoldReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if not isinstance(context, Context) or not self._query():
            yield
            return
        async with context.reader.holding():
            yield
            draft = CURRENT.get()
            if draft is not None and draft.granting is not None and draft.touched:
                draft.versions = await draft.granting()
                draft.granting = None  # looked up: the recording middleware has nothing to ask

    def _query(self) -> bool:
        try:
            return self.execution_context.operation_type is OperationType.QUERY
        except Exception:  # no such operation: execution reports it
            return False
