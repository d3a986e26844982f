"""The one door to stored data: every read runs here, as a principal, filtered by the policy."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import Action, Authorizer, Kind


@dataclass(frozen=True, slots=True)
class Reader:
    """A principal's view of the database for one request.

    Each statement takes its own short session: GraphQL resolves sibling fields concurrently,
    and one AsyncSession must not be shared between concurrent awaits.
    """

    sessions: async_sessionmaker[AsyncSession]
    principal: AuthenticatedPrincipal
    authorizer: Authorizer

    def may_read(self, kind: Kind) -> ColumnElement[bool]:
        """The SQL condition that rows of `kind` must meet to be returned to this principal."""
        return self.authorizer.row_filter(self.principal, Action.READ, kind)

    async def rows(self, stmt: Select[Any]) -> Sequence[Row[Any]]:
        async with self.sessions() as session:
            result = await session.execute(stmt)
            rows: Sequence[Row[Any]] = result.all()
            return rows
