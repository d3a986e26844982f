"""`hub agreement`: create, amend, change state, record mutuality, list and show, against a
temporary SQLite database holding the reference data."""

import asyncio
from collections.abc import AsyncIterator
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from hub.audit.store import signing_key
from hub.audit.verify import verify
from hub.cli import app
from hub.demo import load_reference
from hub.models import AccessRecord, AgreementVersion
from hub.settings import get_settings


@pytest.fixture
async def database(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncEngine]:
    await load_reference(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


async def hub(*args: str) -> Result:
    """Run `hub ARGS` in a worker thread: the command runs its own event loop."""
    invoke = partial(CliRunner().invoke, app, list(args), env={"COLUMNS": "200"})
    return await asyncio.to_thread(invoke)


async def ok(*args: str) -> str:
    result = await hub(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


async def failed(*args: str) -> str:
    result = await hub(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr


CREATE = [
    "agreement",
    "create",
    "E08000022",
    "--from",
    "2009-06-01",
    "--cover",
    "ac-cpa",
    "--cover",
    ":environment",
    "--cover",
    "go-north-east-laa:children_and_young_people",
    "--recipient",
    "riep-north-east",
    "--recipient",
    "idea",
    "--purpose",
    "early_warning",
    "--lawful-basis",
    "LGA 2000 s.2",
    "--retention",
    "Six years.",
    "--contact",
    "Head of Performance",
]


async def _versions(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(AgreementVersion))
    return int(count or 0)


async def test_an_agreement_through_its_life(database: AsyncEngine) -> None:
    assert "created ISA-NTY, version 1 (draft)" in await ok(*CREATE)
    amended = await ok(
        "agreement",
        "amend",
        "ISA-NTY",
        "--note",
        "provisional too",
        "--provisional",
        "--review",
        "2011-03-31",
    )
    assert "version 2 is current" in amended
    assert "is active (version 3)" in await ok(
        "agreement", "state", "ISA-NTY", "active", "--note", "signed by both"
    )
    await ok(
        "agreement",
        "mutuality",
        "NTY",
        "withdrawn",
        "--signed-on",
        "2009-05-01",
        "--withdrawn-on",
        "2010-02-01",
    )

    listed = await ok("agreement", "list", "--authority", "NTY")
    assert "ISA-NTY" in listed
    assert "active" in listed
    assert "riep-north-east" in listed
    assert "ISA-NTY" not in await ok("agreement", "list", "--state", "withdrawn")

    shown = await ok("agreement", "show", "ISA-NTY")
    assert shown.index("version 1 (history)") < shown.index("version 3 (current)")
    assert "covers:       ac-cpa, :environment, go-north-east-laa:children_and_young_people" in (
        shown
    )
    assert "recipients:   idea, riep-north-east" in shown
    assert "provisional:  excluded" in shown
    assert "provisional:  included" in shown
    assert "change note:  signed by both" in shown
    assert "withdrawn 2010-02-01 (signed 2009-05-01)" in shown
    assert await _versions(database) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cover", "no-such-source"], "unknown source: no-such-source"),
        (["--recipient", "nobody"], "unknown organisation: nobody"),
        (["--to", "2009-01-01"], "effective_to is before effective_from"),
    ],
)
async def test_bad_terms_exit_1_and_change_nothing(
    database: AsyncEngine, args: list[str], message: str
) -> None:
    assert message in await failed(*CREATE, *args)
    assert await _versions(database) == 0


async def test_bad_changes_exit_1(database: AsyncEngine) -> None:
    assert "unknown agreement: ISA-XXX" in await failed(
        "agreement", "state", "ISA-XXX", "active", "--note", "x"
    )
    assert "unknown authority: XXX" in await failed(
        "agreement", "mutuality", "XXX", "signed", "--signed-on", "2009-01-01"
    )
    await ok(*CREATE)
    assert "draft already" in await failed("agreement", "state", "ISA-NTY", "draft", "--note", "x")
    assert "nothing to amend" in await failed(
        "agreement",
        "amend",
        "ISA-NTY",
        "--note",
        "x",
        "--recipient",
        "idea",
        "--recipient",
        "riep-north-east",
    )
    assert "unknown agreement: ISA-XXX" in await failed("agreement", "show", "ISA-XXX")
    result = await hub(*CREATE[:-2], "--cover", ":")  # no --contact, and a bad line
    assert result.exit_code == 2
    assert await _versions(database) == 1


async def test_help_describes_every_command() -> None:
    text = (await hub("agreement", "--help")).stdout
    for command in ("list", "show", "create", "amend", "state", "mutuality"):
        assert command in text
    for command in ("create", "amend", "state", "mutuality", "list", "show"):
        assert (await hub("agreement", command, "--help")).exit_code == 0


async def test_changes_from_the_command_line_are_traced(database: AsyncEngine) -> None:
    await ok(*CREATE)
    await ok("agreement", "state", "ISA-NTY", "active", "--note", "signed by the council")
    await failed("agreement", "state", "ISA-NTY", "active", "--note", "again")
    async with database.connect() as connection:
        rows = (
            await connection.execute(
                select(AccessRecord.operation_name, AccessRecord.outcome, AccessRecord.variables)
                .where(AccessRecord.operation_type == "cli")
                .order_by(AccessRecord.id)
            )
        ).all()
    assert [(r.operation_name, r.outcome.value) for r in rows] == [
        ("hub agreement create", "allowed"),
        ("hub agreement state", "allowed"),
        ("hub agreement state", "error"),
    ]
    assert rows[1].variables["note"] == "signed by the council"
    report = await verify(database, signing_key(get_settings()))
    assert report.ok, report
