"""Lists of authorities read their assessments and flags ahead (Region.authorities,
Query.authorities): a bare selection finds each authority's rows at hand, so the list is
completed at once; a selection with arguments, and a read that fails, go the ordinary way,
with the same answer or error. The region and its authorities are small reads, which SQLite
runs in a worker thread (Reader.small_rows)."""

import inspect
from typing import Any

import pytest

from hub.graphql.loaders import Loaders
from hub.models.enums import Role
from hub.query import performance, reader
from tests.support import World

BARE = """query ($region: String!) { region(code: $region) { authorities { code
  assessments { framework period score } flags { kind title } } } }"""
# The same lists asked with arguments (aliases), beside the bare ones, and through a fragment.
MIXED = """query ($region: String!) { region(code: $region) { authorities { code
  assessments { framework period score } flags { kind title }
  cpa: assessments(framework: CPA) { framework period score }
  red: flags(kind: CAA_RED) { kind title }
  ... on Authority { assessments { judgement } } } } }"""
PAGED = """query ($region: String!) { authorities(region: $region, first: 100) { nodes { code
  assessments { framework period score } flags { kind title } } } }"""
REGION = {"region": "E12000001"}


def _listed(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body["data"]
    return data["region"]["authorities"] if "region" in data else data["authorities"]["nodes"]


def _awaited(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each authority's assessments or flags, whether it was an awaitable (not at hand)."""
    seen: list[bool] = []
    loaded = Loaders.loaded

    def spy(loader: Any, key: Any) -> Any:
        found = loaded(loader, key)
        seen.append(inspect.isawaitable(found))
        return found

    monkeypatch.setattr(Loaders, "loaded", staticmethod(spy))
    return seen


@pytest.mark.parametrize("query", [BARE, PAGED])
async def test_a_bare_selection_finds_every_authority_read_ahead(
    world: World, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    awaited = _awaited(monkeypatch)
    with world.statements.counting() as counter:
        body = await world.graphql(Role.IDEA_ANALYST, query, REGION)
    assert "errors" not in body, body
    authorities = _listed(body)
    assert any(a["assessments"] for a in authorities)
    assert any(a["flags"] for a in authorities)
    assert len(awaited) == 2 * len(authorities)
    assert not any(awaited)
    assert counter.reading("assessment") == 1
    assert counter.reading("flag") == 1


async def test_arguments_go_the_ordinary_way_with_the_same_answer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    awaited = _awaited(monkeypatch)
    body = await world.graphql(Role.IDEA_ANALYST, MIXED, REGION)
    assert "errors" not in body, body
    assert any(awaited)  # the aliased lists with arguments were loaded, not read ahead
    monkeypatch.undo()
    for a in body["data"]["region"]["authorities"]:
        one = await world.graphql(
            Role.IDEA_ANALYST,
            """query ($code: String!) { authority(code: $code) {
              assessments { framework period score judgement } flags { kind title }
              cpa: assessments(framework: CPA) { framework period score }
              red: flags(kind: CAA_RED) { kind title } } }""",
            {"code": a["code"]},
        )
        alone = one["data"]["authority"]
        assert a["assessments"] == alone["assessments"]
        assert a["flags"] == alone["flags"]
        assert a["cpa"] == alone["cpa"]
        assert a["red"] == alone["red"]
        assert {x["framework"] for x in a["cpa"]} <= {"CPA"}
        assert {x["kind"] for x in a["red"]} <= {"CAA_RED"}


async def test_a_failed_read_is_reported_at_the_authorities_own_field(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fails(*_: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(performance, "assessments_of_authorities", fails)
    body = await world.graphql(Role.IDEA_ANALYST, BARE, REGION)
    paths = [error["path"] for error in body["errors"]]
    assert paths
    assert all(path[:2] == ["region", "authorities"] for path in paths), paths
    assert all(path[-1] == "assessments" for path in paths), paths
    assert {e["extensions"]["code"] for e in body["errors"]} == {"INTERNAL_SERVER_ERROR"}


async def test_reference_rows_read_in_a_worker_thread_on_sqlite(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A region and its authorities (Reader.small_rows) are read whole in a worker thread on
    a SQLite file, on PostgreSQL through the request's connection; the same answer."""
    ran: list[str] = []
    original = reader._rows_in_thread

    def spy(engine: Any, stmt: Any, params: Any) -> Any:
        ran.append(str(stmt).split("FROM", 1)[1].split()[0])
        return original(engine, stmt, params)

    monkeypatch.setattr(reader, "_rows_in_thread", spy)
    body = await world.graphql(Role.IDEA_ANALYST, BARE, REGION)
    assert "errors" not in body, body
    assert _listed(body)
    assert ran == (["region", "authority"] if world.backend == "sqlite" else [])
