"""explainAccess and effectiveAccess answer from the same policy that filters the lists."""

import asyncio
import csv
import io
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.models.enums import Role
from hub.settings import get_settings
from tests.support import World

EXPLAIN = """query($authority: String!, $source: String, $theme: String) {
  explainAccess(organisation: "riep-north-east", authority: $authority,
                purpose: EARLY_WARNING, source: $source, theme: $theme) {
    allowed role grantedBy { reference version } reasons } }"""


async def _explain(world: World, authority: str, **more: Any) -> dict[str, Any]:
    body = await world.graphql(Role.AUDITOR, EXPLAIN, {"authority": authority, **more})
    assert "errors" not in body, body
    answer: dict[str, Any] = body["data"]["explainAccess"]
    return answer


async def test_a_shared_record_names_its_agreement(world: World) -> None:
    answer = await _explain(world, "E08000021", source="go-north-east-laa", theme="environment")
    assert answer["allowed"] is True
    assert answer["role"] == "RIEP_ANALYST"
    assert answer["grantedBy"] == [{"reference": "ISA-NET", "version": 2}]


async def test_a_withdrawn_agreement_is_named_as_the_reason(world: World) -> None:
    answer = await _explain(world, "E06000001", source="go-north-east-laa", theme="environment")
    assert answer["allowed"] is False
    assert answer["grantedBy"] == []
    [reason] = answer["reasons"]
    assert reason.startswith("closest agreement line (ISA-HPL version 2, withdrawn) fails: ")
    assert "grant.state = 'active'" in reason


async def test_a_theme_outside_the_agreement_is_the_reason(world: World) -> None:
    # Gateshead shares only its children and young people's data.
    answer = await _explain(world, "E08000037", source="go-north-east-laa", theme="environment")
    assert answer["allowed"] is False
    assert any("theme_code" in r for r in answer["reasons"]), answer["reasons"]


async def test_no_agreement_at_all(world: World) -> None:
    query = """{ explainAccess(organisation: "idea", authority: "E06000053",
                 purpose: RESEARCH, theme: "environment") { allowed reasons } }"""
    answer = (await world.graphql(Role.HUB_ADMIN, query))["data"]["explainAccess"]
    assert answer["allowed"] is False
    assert answer["reasons"]
    assert all("no information-sharing agreement" in r for r in answer["reasons"])


async def test_only_administrators_and_auditors_may_ask(world: World) -> None:
    body = await world.graphql(
        Role.RIEP_ANALYST, EXPLAIN, {"authority": "E08000021", "theme": "environment"}
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_effective_access_matrix(world: World) -> None:
    query = """{ effectiveAccess(organisation: "riep-north-east", purpose: EARLY_WARNING,
                 region: "E12000001") { role cells { authority theme allowed } } }"""
    body = await world.graphql(Role.AUDITOR, query)
    cells = {
        (c["authority"], c["theme"]): c["allowed"] for c in body["data"]["effectiveAccess"]["cells"]
    }
    themes = {theme for _, theme in cells}
    assert all(cells[("E08000021", t)] for t in themes)  # Newcastle shares everything
    assert not any(cells[("E06000001", t)] for t in themes)  # Hartlepool withdrew
    gateshead = {t for t in themes if cells[("E08000037", t)]}
    assert gateshead == {"children_and_young_people"}
    assert {a for a, _ in cells} >= {"E08000021", "E06000001", "E08000037"}
    assert all(a.startswith("E0") for a, _ in cells)


async def test_the_matrix_and_explanations_from_the_command_line(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if world.backend != "sqlite":
        pytest.skip("the command line is exercised once, on the SQLite world")
    monkeypatch.setenv("HUB_DATABASE_URL", world.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = [
            "access",
            "matrix",
            "--org",
            "riep-north-east",
            "--purpose",
            "early_warning",
            "--region",
            "E12000001",
        ]
        matrix = await asyncio.to_thread(runner.invoke, app, args)
        explained = await asyncio.to_thread(
            runner.invoke,
            app,
            [
                "access",
                "explain",
                "--org",
                "riep-north-east",
                "--authority",
                "HPL",
                "--purpose",
                "early_warning",
                "--theme",
                "environment",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert matrix.exit_code == 0, matrix.output
    rows = list(csv.DictReader(io.StringIO(matrix.stdout)))
    newcastle = [r for r in rows if r["authority"] == "E08000021"]
    assert newcastle
    assert all(r["allowed"] == "True" for r in newcastle)
    assert explained.exit_code == 0, explained.output
    assert explained.stdout.startswith("denied (as riep_analyst)")
    assert "ISA-HPL" in explained.stdout


async def test_explain_for_a_named_principal(world: World) -> None:
    query = """{ explainAccess(organisation: "idea", principal: "demo-clearing-house-officer",
                 authority: "E08000021", purpose: EARLY_WARNING, source: "go-north-east-laa",
                 theme: "environment") {
                 allowed role } }"""
    answer = (await world.graphql(Role.AUDITOR, query))["data"]["explainAccess"]
    assert answer == {"allowed": True, "role": "CLEARING_HOUSE_OFFICER"}
    missing = query.replace("demo-clearing-house-officer", "nobody")
    body = await world.graphql(Role.AUDITOR, missing)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
