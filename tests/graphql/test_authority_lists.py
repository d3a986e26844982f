"""An authority's assessments and flags (Authority.assessments, Authority.flags) are read in
one statement for all the authorities asked, built once for each caller's decisions and
run with each request's values (hub.query.performance, hub.query.bound): every request gets
its own authorities and framework, and exactly what the hub-wide lists (Query.assessments,
Query.flags, built per request) give the same caller."""

from collections import Counter
from typing import Any

import pytest

from hub.memo import Memo
from hub.models.enums import Role
from hub.query import performance
from tests.support import World

BY_AUTHORITY = """query ($region: String!, $framework: Framework, $kind: FlagKind) {
  region(code: $region) { authorities { code
    assessments(framework: $framework) { framework period score judgement publishedOn }
    flags(kind: $kind) { kind title raisedOn liftedOn } } } }"""
HUB_WIDE = """query ($region: String!, $framework: Framework, $kind: FlagKind) {
  assessments(filter: {region: $region}, framework: $framework, first: 500) {
    nodes { authority { code } framework period score judgement publishedOn } }
  flags(filter: {region: $region}, kind: $kind, first: 500) {
    nodes { authority { code } kind title raisedOn liftedOn } } }"""
ASKED = [  # regions of other sizes, with and without a framework or kind
    {"region": "E12000001"},  # North East: the demo RIEP's own region
    {"region": "E12000001", "framework": "CPA", "kind": "CAA_RED"},
    {"region": "E12000005", "framework": "OFSTED_APA"},
    {"region": "E12000008"},
]


def _each(body: dict[str, Any], name: str) -> Counter[tuple[Any, ...]]:
    return Counter(
        (a["code"], *item.values())
        for a in body["data"]["region"]["authorities"]
        for item in a[name]
    )


def _hub_wide(body: dict[str, Any], name: str) -> Counter[tuple[Any, ...]]:
    return Counter(
        (node.pop("authority")["code"], *node.values()) for node in body["data"][name]["nodes"]
    )


@pytest.mark.parametrize("role", [Role.RIEP_ANALYST, Role.IDEA_ANALYST])
async def test_each_request_gets_its_own_authorities_and_kinds(
    world: World, role: Role, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(performance, "BUILT", Memo(64))  # none built by earlier tests
    built: list[Any] = []
    build = performance._of_authorities_statement

    def counting(*args: Any) -> Any:
        built.append(args[1:])
        return build(*args)

    monkeypatch.setattr(performance, "_of_authorities_statement", counting)
    seen = []
    for variables in ASKED:
        body = await world.graphql(role, BY_AUTHORITY, variables)
        wide = await world.graphql(role, HUB_WIDE, variables)
        assert "errors" not in body, body
        assert "errors" not in wide, wide
        for name in ("assessments", "flags"):
            assert _each(body, name) == _hub_wide(wide, name), (role, variables, name)
        seen.append(_each(body, "assessments"))
    everything, of_cpa = seen[0], seen[1]
    assert of_cpa
    assert of_cpa < everything  # the framework narrows the list
    assert {framework for _, framework, *_ in of_cpa} == {"CPA"}
    if role is Role.IDEA_ANALYST:  # the RIEP reads its own region alone
        assert seen[2]
        assert seen[3]
        assert len({frozenset(c.items()) for c in seen}) == len(ASKED)
    # One statement a kind of record and framework or kind set or not, whatever the region.
    assert len(built) == len(set(built)) == 4


async def test_one_statement_for_every_region(world: World) -> None:
    """The authorities go as one array on PostgreSQL: one statement text, prepared once."""
    sent: list[set[str]] = []
    for region in ("E12000001", "E12000008"):  # North East, then South East: other sizes
        with world.statements.counting() as counter:
            body = await world.graphql(Role.IDEA_ANALYST, BY_AUTHORITY, {"region": region})
        assert "errors" not in body, body
        assert _each(body, "assessments")
        sent.append({s for s in counter.statements if "FROM assessment" in s})
    assert len(sent[0]) == 1
    if world.backend == "postgresql":
        assert sent[0] == sent[1]
