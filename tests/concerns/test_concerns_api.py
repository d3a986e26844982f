"""The confidential clearing house: anyone authenticated raises a concern; clearing-house
officers read and follow up all; a raiser reads its own, unless it is an inspectorate or a
Government Office (or the IDeA, whose officers hold them); nobody else reads any."""

from typing import Any

import pytest

from hub.models.enums import Role
from tests.support import World

RAISE = """
mutation ($authority: String!, $subject: String!, $detail: String!) {
  raiseConcern(authority: $authority, subject: $subject, detail: $detail) {
    id status createdAt concern { id subject raisedBy raisedByName authority { code } }
  }
}
"""
ONE = """
query ($id: ID!) {
  concern(id: $id) { id subject detail status raisedBy raisedByName authority { code } }
}
"""
LIST = """
query ($authority: String, $status: ConcernStatus, $after: String) {
  concerns(authority: $authority, status: $status, first: 100, after: $after) {
    nodes { id raisedBy status authority { code } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE = """
mutation ($id: ID!, $status: ConcernStatus!, $note: String) {
  updateConcern(id: $id, status: $status, note: $note) { id status detail updatedAt }
}
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def _raise(world: World, token: str, authority: str = "MDB") -> dict[str, Any]:
    body = await world.graphql(
        None,
        RAISE,
        {"authority": authority, "subject": "Test concern", "detail": "Test detail."},
        token=token,
    )
    assert "errors" not in body, body
    raised: dict[str, Any] = body["data"]["raiseConcern"]
    assert raised["status"] == "OPEN"
    return raised


async def _list(world: World, token: str, **variables: Any) -> list[dict[str, Any]]:
    return await world.every_page(None, LIST, "concerns", variables, token=token)


async def _one(world: World, token: str, concern_id: str) -> dict[str, Any]:
    return await world.graphql(None, ONE, {"id": concern_id}, token=token)


async def test_visibility_per_role(world: World) -> None:
    officer = world.tokens[Role.CLEARING_HOUSE_OFFICER]
    riep = await world.token("riep-east-midlands", Role.RIEP_ANALYST, name="concern-raiser")
    riep_colleague = await world.token("riep-east-midlands", Role.RIEP_ANALYST, name="colleague")
    inspectorate = await world.token("ofsted", Role.SUBMITTER, name="concern-inspectorate")
    government_office = await world.token("go-london", Role.SUBMITTER, name="concern-go")
    idea_analyst = world.tokens[Role.IDEA_ANALYST]
    bystander_riep = await world.token("riep-north-west", Role.RIEP_ANALYST, name="bystander")

    by_riep = await _raise(world, riep, "DNC")
    assert by_riep["concern"]["raisedBy"] == "riep-east-midlands"
    assert by_riep["concern"]["raisedByName"] == "concern-raiser"
    assert by_riep["concern"]["authority"]["code"] == "DNC"
    by_inspectorate = await _raise(world, inspectorate)
    assert by_inspectorate["concern"] is None  # raised, but not to be read back
    by_go = await _raise(world, government_office)
    assert by_go["concern"] is None
    by_idea_analyst = await _raise(world, idea_analyst)
    assert by_idea_analyst["concern"] is None
    mine = {by_riep["id"], by_inspectorate["id"], by_go["id"], by_idea_analyst["id"]}

    # The clearing house reads every concern, the demo's and these.
    seen = {c["id"] for c in await _list(world, officer)}
    assert mine <= seen
    assert len(seen) >= len(mine) + 4
    for raised in mine:
        body = await _one(world, officer, raised)
        assert "errors" not in body
        assert body["data"]["concern"]["id"] == raised

    # The raising organisation reads its own (any of its principals), and only its own.
    for token in (riep, riep_colleague):
        own = await _list(world, token)
        assert by_riep["id"] in {c["id"] for c in own}
        assert {c["raisedBy"] for c in own} == {"riep-east-midlands"}
        assert "errors" not in await _one(world, token, by_riep["id"])

    # Inspectorates, Government Offices, the IDeA's analysts, other RIEPs, authorities,
    # auditors and administrators read none: a concern is NOT_FOUND, like a missing one.
    readers_of_none = [
        inspectorate,
        government_office,
        idea_analyst,
        bystander_riep,
        world.tokens[Role.AUTHORITY_OFFICER],
        world.tokens[Role.AUDITOR],
        world.tokens[Role.HUB_ADMIN],
        world.tokens[Role.SUBMITTER],
    ]
    for token in readers_of_none:
        assert await _list(world, token) == []
        for raised in [*mine, "999999999", "99999999999999999999", "not-an-id"]:
            body = await _one(world, token, raised)
            assert codes(body) == ["NOT_FOUND"], body
            assert body["errors"][0]["message"] == "concern not found"
            assert body["data"] is None


async def test_the_demo_raisers_read_their_own(world: World) -> None:
    # The North East RIEP raised Middlesbrough's concern in the demo.
    own = await _list(world, world.tokens[Role.RIEP_ANALYST])
    assert "MDB" in {c["authority"]["code"] for c in own}
    assert {c["raisedBy"] for c in own} == {"riep-north-east"}


async def test_filters(world: World) -> None:
    officer = world.tokens[Role.CLEARING_HOUSE_OFFICER]
    closed = await _list(world, officer, status="CLOSED")
    assert closed
    assert all(c["status"] == "CLOSED" for c in closed)
    assert "HRY" in {c["authority"]["code"] for c in closed}
    haringey = await _list(world, officer, authority="E09000014")
    assert haringey
    assert {c["authority"]["code"] for c in haringey} == {"HRY"}


async def test_clearing_house_officers_follow_up(world: World) -> None:
    officer = world.tokens[Role.CLEARING_HOUSE_OFFICER]
    raiser = await world.token("riep-east-midlands", Role.RIEP_ANALYST, name="follow-up-raiser")
    raised = await _raise(world, raiser, "STE")

    body = await world.graphql(
        None,
        UPDATE,
        {"id": raised["id"], "status": "UNDER_REVIEW", "note": "Peer support offered."},
        token=officer,
    )
    assert "errors" not in body, body
    updated = body["data"]["updateConcern"]
    assert updated["status"] == "UNDER_REVIEW"
    assert updated["detail"].startswith("Test detail.")
    assert (
        "demo-clearing-house-officer (idea)] status under_review: Peer support offered."
        in (updated["detail"])
    )
    closed = await world.graphql(
        None, UPDATE, {"id": raised["id"], "status": "CLOSED"}, token=officer
    )
    assert closed["data"]["updateConcern"]["status"] == "CLOSED"
    same = await world.graphql(
        None, UPDATE, {"id": raised["id"], "status": "CLOSED"}, token=officer
    )
    assert codes(same) == ["BAD_USER_INPUT"]
    missing = await world.graphql(
        None, UPDATE, {"id": "999999999", "status": "CLOSED"}, token=officer
    )
    assert codes(missing) == ["NOT_FOUND"]
    # The raiser reads the follow-up.
    seen = await _one(world, raiser, raised["id"])
    assert seen["data"]["concern"]["status"] == "CLOSED"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.CLEARING_HOUSE_OFFICER])
async def test_only_clearing_house_officers_follow_up(world: World, role: Role) -> None:
    officer = world.tokens[Role.CLEARING_HOUSE_OFFICER]
    concern = (await _list(world, officer, status="OPEN"))[0]
    body = await world.graphql(role, UPDATE, {"id": concern["id"], "status": "CLOSED"})
    assert codes(body) == ["FORBIDDEN"], body
    after = await _one(world, officer, concern["id"])
    assert after["data"]["concern"]["status"] == "OPEN"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"authority": "XXX"}, "unknown authority: XXX"),
        ({"subject": "  "}, "subject is required"),
        ({"detail": ""}, "detail is required"),
        ({"subject": "x" * 300}, "subject is longer than 255"),
    ],
)
async def test_bad_concerns_are_refused(
    world: World, variables: dict[str, str], message: str
) -> None:
    given = {"authority": "MDB", "subject": "s", "detail": "d"}
    body = await world.graphql(Role.RIEP_ANALYST, RAISE, {**given, **variables})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]


async def test_the_list_is_one_statement_whatever_its_length(world: World) -> None:
    officer = world.tokens[Role.CLEARING_HOUSE_OFFICER]
    counts = []
    for first in (1, 50):
        query = "query ($f: Int) { concerns(first: $f) { nodes { id authority { name } } } }"
        with world.statements.counting() as counter:
            body = await world.graphql(None, query, {"f": first}, token=officer)
        assert "errors" not in body, body
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
