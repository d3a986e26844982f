"""Fixtures for the token tests, on the shared `engine` (both backends) and `sqlite_engine`."""

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from hub.db import session_factory, unit_of_work
from hub.models import Organisation
from hub.models.enums import OrganisationKind


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def sqlite_sessions(sqlite_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(sqlite_engine)


AddOrganisation = Callable[..., Awaitable[int]]


async def _add_organisation(
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    kind: OrganisationKind = OrganisationKind.RIEP,
) -> int:
    async with unit_of_work(sessions) as session:
        organisation = Organisation(code=code, name=f"{code} (test)", kind=kind)
        session.add(organisation)
        await session.flush()
        return organisation.id


@pytest.fixture
def add_organisation() -> AddOrganisation:
    """`await add_organisation(sessions, code, kind=RIEP)` adds an organisation; returns its id."""
    return _add_organisation


@pytest.fixture
def sqlite_database_url(sqlite_engine: AsyncEngine) -> str:
    return sqlite_engine.url.render_as_string(hide_password=False)
