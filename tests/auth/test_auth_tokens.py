"""The token store (hub.auth.tokens), on every database backend."""

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.auth.principal import AuthenticatedPrincipal
from hub.auth.tokens import (
    InvalidExpiry,
    PrincipalRoleConflict,
    TokenError,
    UnknownOrganisation,
    authenticate,
    is_well_formed,
    issue_token,
    list_tokens,
    revoke_token,
)
from hub.db import unit_of_work
from hub.models import ApiToken, Principal
from hub.models.enums import OrganisationKind, Role

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]
AddOrganisation = Callable[..., Awaitable[int]]


async def issue(sessions: Sessions, **kwargs: object) -> str:
    kwargs.setdefault("org_code", "NERIEP")
    kwargs.setdefault("role", Role.RIEP_ANALYST)
    kwargs.setdefault("now", NOW)
    async with unit_of_work(sessions) as session:
        return await issue_token(session, **kwargs)  # type: ignore[arg-type]


async def who(sessions: Sessions, raw: str, now: datetime = NOW) -> AuthenticatedPrincipal | None:
    async with sessions() as session:
        return await authenticate(session, raw, now)


async def test_issued_token_authenticates_as_its_principal(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    org_id = await add_organisation(sessions, "NERIEP", OrganisationKind.RIEP)
    raw = await issue(sessions)

    async with sessions() as session:
        principal = await authenticate(session, raw, NOW)
        token = await session.scalar(select(ApiToken))
    assert principal is not None
    assert token is not None
    assert principal.name == "NERIEP:riep_analyst"
    assert principal.role is Role.RIEP_ANALYST
    assert principal.organisation_id == org_id
    assert principal.organisation_code == "NERIEP"
    assert principal.organisation_kind is OrganisationKind.RIEP
    assert (principal.region_id, principal.authority_id) == (None, None)
    assert principal.token_id == token.id


async def test_only_the_hash_and_a_short_prefix_are_stored(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "NERIEP")
    raw = await issue(sessions)

    assert raw.startswith("hub_")
    assert len(raw) == 47
    assert is_well_formed(raw)
    async with sessions() as session:
        token = (await session.scalars(select(ApiToken))).one()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.token_hash != raw
    assert raw not in token.token_hash
    assert token.prefix == raw[:12]


async def test_tokens_are_distinct_and_share_their_principal(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "NERIEP")
    first, second = await issue(sessions), await issue(sessions)

    assert first != second
    async with sessions() as session:
        assert len((await session.scalars(select(Principal))).all()) == 1
    one, two = await who(sessions, first), await who(sessions, second)
    assert one is not None
    assert two is not None
    assert one.principal_id == two.principal_id
    assert one.token_id != two.token_id


async def test_named_principal_with_another_role_is_refused(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "IDEA", OrganisationKind.IDEA)
    await issue(sessions, org_code="IDEA", role=Role.IDEA_ANALYST, name="dashboard")

    with pytest.raises(PrincipalRoleConflict, match="already exists with role 'idea_analyst'"):
        await issue(sessions, org_code="IDEA", role=Role.CLEARING_HOUSE_OFFICER, name="dashboard")


async def test_unknown_organisation_is_a_clear_error_and_writes_nothing(sessions: Sessions) -> None:
    with pytest.raises(UnknownOrganisation, match="no organisation has the code 'NOPE'"):
        await issue(sessions, org_code="NOPE")

    async with sessions() as session:
        assert (await session.scalars(select(Principal))).all() == []
        assert (await session.scalars(select(ApiToken))).all() == []


async def test_default_expiry_is_token_default_days(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "NERIEP")
    await issue(sessions, default_days=7)

    async with sessions() as session:
        token = (await session.scalars(select(ApiToken))).one()
    assert token.expires_at == NOW + timedelta(days=7)


@pytest.mark.parametrize(
    "expires_at",
    [NOW, NOW - timedelta(seconds=1), datetime(2027, 1, 1)],
    ids=["now", "past", "naive"],
)
async def test_expiry_must_be_a_future_aware_time(
    add_organisation: AddOrganisation, sessions: Sessions, expires_at: datetime
) -> None:
    await add_organisation(sessions, "NERIEP")
    with pytest.raises(InvalidExpiry):
        await issue(sessions, expires_at=expires_at)


async def test_expired_token_is_refused(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "NERIEP")
    expires_at = NOW + timedelta(days=1)
    raw = await issue(sessions, expires_at=expires_at)

    assert await who(sessions, raw, expires_at - timedelta(microseconds=1)) is not None
    assert await who(sessions, raw, expires_at) is None
    assert await who(sessions, raw, expires_at + timedelta(days=1)) is None


async def test_revoked_token_is_refused_and_revoking_is_idempotent(
    add_organisation: AddOrganisation, sessions: Sessions
) -> None:
    await add_organisation(sessions, "NERIEP")
    raw = await issue(sessions)
    later = NOW + timedelta(hours=1)

    async with unit_of_work(sessions) as session:
        assert await revoke_token(session, token=raw, now=later) is True
    assert await who(sessions, raw) is None
    async with unit_of_work(sessions) as session:
        assert await revoke_token(session, token=raw, now=later + timedelta(hours=1)) is True
        token = (await session.scalars(select(ApiToken))).one()
        assert await revoke_token(session, token_id=token.id) is True
    assert token.revoked_at == later  # the first revocation stands


async def test_revoke_by_id(add_organisation: AddOrganisation, sessions: Sessions) -> None:
    await add_organisation(sessions, "NERIEP")
    keep, drop = await issue(sessions), await issue(sessions)
    dropped = await who(sessions, drop)
    assert dropped is not None

    async with unit_of_work(sessions) as session:
        assert await revoke_token(session, token_id=dropped.token_id) is True
    assert await who(sessions, drop) is None
    assert await who(sessions, keep) is not None


async def test_revoking_what_does_not_exist(sessions: Sessions) -> None:
    async with unit_of_work(sessions) as session:
        assert await revoke_token(session, token="hub_" + "A" * 43) is False
        assert await revoke_token(session, token="not a token") is False
        assert await revoke_token(session, token_id=12345) is False
        with pytest.raises(TokenError, match="exactly one"):
            await revoke_token(session)
        with pytest.raises(TokenError, match="exactly one"):
            await revoke_token(session, token="hub_x", token_id=1)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: "",
        lambda raw: "hub_",
        lambda raw: "hub_" + "A" * 43,  # well formed, never issued
        lambda raw: raw[:-1],
        lambda raw: raw + "A",
        lambda raw: raw[:-1] + ("B" if raw[-1] != "B" else "C"),
        lambda raw: " " + raw,
        lambda raw: "Bearer " + raw,
        lambda raw: raw.replace("hub_", "HUB_"),
        lambda raw: raw[:-1] + "é",
        lambda raw: raw[:-1] + "\x00",
        lambda raw: hashlib.sha256(raw.encode()).hexdigest(),  # the stored hash is no token
    ],
)
async def test_unknown_and_malformed_tokens_are_refused(
    add_organisation: AddOrganisation, sessions: Sessions, mangle: object
) -> None:
    await add_organisation(sessions, "NERIEP")
    raw = await issue(sessions)
    assert await who(sessions, mangle(raw)) is None  # type: ignore[operator]


async def test_authenticate_is_one_sql_statement(
    add_organisation: AddOrganisation, sessions: Sessions, engine: AsyncEngine
) -> None:
    await add_organisation(sessions, "NERIEP")
    raw = await issue(sessions)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert await who(sessions, raw) is not None
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements
    assert raw not in statements[0]


async def test_list_tokens(add_organisation: AddOrganisation, sessions: Sessions) -> None:
    await add_organisation(sessions, "NERIEP")
    await add_organisation(sessions, "AUDITCOM", OrganisationKind.INSPECTORATE)
    nerie = await issue(sessions)
    audit = await issue(sessions, org_code="AUDITCOM", role=Role.SUBMITTER, name="ingest")
    async with unit_of_work(sessions) as session:
        await revoke_token(session, token=audit, now=NOW)

    async with sessions() as session:
        everything = await list_tokens(session)
        neriep = await list_tokens(session, org_code="NERIEP")
        with pytest.raises(UnknownOrganisation):
            await list_tokens(session, org_code="NOPE")
    assert [t.organisation_code for t in everything] == ["NERIEP", "AUDITCOM"]
    assert [(t.prefix, t.principal_name, t.role) for t in neriep] == [
        (nerie[:12], "NERIEP:riep_analyst", Role.RIEP_ANALYST)
    ]
    assert [t.status(NOW) for t in everything] == ["active", "revoked"]
    assert everything[0].status(everything[0].expires_at) == "expired"
    assert everything[1].revoked_at == NOW
    assert all(t.created_at == NOW for t in everything)
