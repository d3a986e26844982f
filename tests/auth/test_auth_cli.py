"""`hub token`: issue, revoke, list, against a temporary SQLite database."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from functools import partial

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from hub.auth.tokens import authenticate, is_well_formed
from hub.cli.token import app
from hub.models import ApiToken
from hub.models.enums import OrganisationKind, Role
from hub.settings import get_settings

Sessions = async_sessionmaker[AsyncSession]
AddOrganisation = Callable[..., Awaitable[int]]


@pytest.fixture
def cli_database(
    sqlite_database_url: str, sqlite_sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Sessions]:
    """Point HUB_DATABASE_URL at the test's migrated SQLite file; yields sessions on it."""
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_database_url)
    get_settings.cache_clear()
    yield sqlite_sessions
    get_settings.cache_clear()


async def hub_token(*args: str, stdin: str | None = None) -> Result:
    """Run `hub token ARGS` in a worker thread: the command runs its own event loop."""
    invoke = partial(CliRunner().invoke, app, list(args), input=stdin, env={"COLUMNS": "200"})
    return await asyncio.to_thread(invoke)


async def issued(*args: str) -> str:
    result = await hub_token("issue", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


async def test_issue_prints_only_the_token_and_it_authenticates(
    cli_database: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(cli_database, "OFSTED", OrganisationKind.INSPECTORATE)

    result = await hub_token("issue", "--org", "OFSTED", "--role", "submitter")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    raw = result.stdout.strip()
    assert is_well_formed(raw)
    assert "OFSTED:submitter" in result.stderr
    assert raw not in result.stderr
    async with cli_database() as session:
        principal = await authenticate(session, raw)
    assert principal is not None
    assert principal.role is Role.SUBMITTER
    assert principal.organisation_code == "OFSTED"


async def test_issue_with_name_and_expiry(
    cli_database: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(cli_database, "CAPITAL")
    await issued("--org", "CAPITAL", "--role", "riep_analyst", "--name", "dash", "--expires", "30d")
    raw = await issued(
        "--org", "CAPITAL", "--role", "riep_analyst", "--name", "dash", "--expires", "2099-01-31"
    )

    async with cli_database() as session:
        principal = await authenticate(session, raw)
        tokens = (await session.scalars(select(ApiToken).order_by(ApiToken.id))).all()
    assert principal is not None
    assert principal.name == "dash"
    assert (tokens[1].expires_at - tokens[0].created_at).days >= 29
    assert tokens[1].expires_at.isoformat() == "2099-02-01T00:00:00+00:00"  # end of the day


async def test_unknown_organisation_is_a_clear_error(cli_database: Sessions) -> None:
    result = await hub_token("issue", "--org", "NOPE", "--role", "auditor")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no organisation has the code 'NOPE'" in result.stderr


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--role", "overlord"], "--role"),
        (["--role", "auditor", "--expires", "soon"], "--expires"),
        (["--role", "auditor", "--expires", "2001-01-01"], "in the past"),
        (["--role", "auditor", "--expires", "0d"], "in the past"),
    ],
)
async def test_bad_options_are_usage_errors(
    cli_database: Sessions, add_organisation: AddOrganisation, args: list[str], complaint: str
) -> None:
    await add_organisation(cli_database, "AUDIT", OrganisationKind.AUDITOR)
    result = await hub_token("issue", "--org", "AUDIT", *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert complaint in result.stderr


async def test_role_conflict_is_a_clear_error(
    cli_database: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(cli_database, "IDEA", OrganisationKind.IDEA)
    await issued("--org", "IDEA", "--role", "idea_analyst", "--name", "desk")
    result = await hub_token("issue", "--org", "IDEA", "--role", "auditor", "--name", "desk")

    assert result.exit_code == 1
    assert "already exists with role 'idea_analyst'" in result.stderr


async def test_revoke_by_token_by_id_and_from_stdin(
    cli_database: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(cli_database, "GONE", OrganisationKind.GOVERNMENT_OFFICE)
    first, second, third = [await issued("--org", "GONE", "--role", "submitter") for _ in "123"]

    assert (await hub_token("revoke", first)).exit_code == 0
    async with cli_database() as session:
        second_id = (await authenticate(session, second)).token_id  # type: ignore[union-attr]
    assert (await hub_token("revoke", "--id", str(second_id))).exit_code == 0
    assert (await hub_token("revoke", "-", stdin=third + "\n")).exit_code == 0
    assert (await hub_token("revoke", first)).exit_code == 0  # again: harmless

    async with cli_database() as session:
        for raw in (first, second, third):
            assert await authenticate(session, raw) is None


async def test_revoke_errors(cli_database: Sessions) -> None:
    missing = await hub_token("revoke", "hub_" + "A" * 43)
    assert missing.exit_code == 1
    assert "no token hub_AAAAAAAA... found" in missing.stderr
    assert (await hub_token("revoke", "--id", "99")).exit_code == 1
    assert (await hub_token("revoke", "not-a-token")).exit_code == 2
    assert (await hub_token("revoke")).exit_code == 2


async def test_list_shows_tokens_but_no_secret(
    cli_database: Sessions, add_organisation: AddOrganisation
) -> None:
    await add_organisation(cli_database, "NERIEP")
    await add_organisation(cli_database, "CQC", OrganisationKind.INSPECTORATE)
    neriep = await issued("--org", "NERIEP", "--role", "riep_analyst")
    cqc = await issued("--org", "CQC", "--role", "submitter")
    assert (await hub_token("revoke", cqc)).exit_code == 0
    async with cli_database() as session:
        hashes = (await session.scalars(select(ApiToken.token_hash))).all()

    everything = await hub_token("list")
    only_neriep = await hub_token("list", "--org", "NERIEP")
    unknown = await hub_token("list", "--org", "NOPE")

    assert everything.exit_code == 0, everything.output
    assert neriep[:12] in everything.stdout
    assert cqc[:12] in everything.stdout
    assert "revoked" in everything.stdout
    for secret in [neriep, cqc, *hashes]:
        assert secret not in everything.output
    assert neriep[:12] in only_neriep.stdout
    assert cqc[:12] not in only_neriep.stdout
    assert unknown.exit_code == 1
    assert "no organisation has the code 'NOPE'" in unknown.stderr


@pytest.mark.parametrize(
    ("command", "phrase"),
    [
        ([], "Issue, revoke and list API tokens"),
        (["issue"], "print it alone on stdout"),
        (["revoke"], "Revoke a token"),
        (["list"], "no secrets"),
    ],
)
async def test_help(command: list[str], phrase: str) -> None:
    result = await hub_token(*command, "--help")
    assert result.exit_code == 0
    assert phrase in result.stdout
