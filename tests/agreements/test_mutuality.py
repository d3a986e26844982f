"""Mutuality statements: recorded by the administrator as history, read by whoever may read
the authority's agreements."""

from typing import Any

import pytest

from hub.models.enums import Role
from tests.agreements.helpers import admin, codes
from tests.support import World

RECORD = """
mutation ($authority: String!, $state: MutualityState!, $signed: Date!, $withdrawn: Date) {
  recordMutualityStatement(authority: $authority, state: $state, signedOn: $signed,
                           withdrawnOn: $withdrawn) {
    authority { gssCode } state signedOn withdrawnOn recordedAt
  }
}
"""
HISTORY = """
query ($authority: String!) {
  mutualityStatements(authority: $authority) { authority { code } state signedOn withdrawnOn }
}
"""
NORTH_TYNESIDE = "E08000022"  # no statement in the demo


async def _history(
    world: World, role: Role | None, authority: str, token: str | None = None
) -> list[dict[str, Any]]:
    body = await world.graphql(role, HISTORY, {"authority": authority}, token=token)
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["mutualityStatements"]
    return found


async def test_statements_are_recorded_as_history(world: World) -> None:
    signed = {"authority": "NTY", "state": "SIGNED", "signed": "2009-05-01", "withdrawn": None}
    made = (await admin(world, RECORD, signed))["recordMutualityStatement"]
    assert made["authority"]["gssCode"] == NORTH_TYNESIDE
    assert (made["state"], made["signedOn"], made["withdrawnOn"]) == ("SIGNED", "2009-05-01", None)
    withdrawn = {**signed, "state": "WITHDRAWN", "withdrawn": "2010-01-15"}
    await admin(world, RECORD, withdrawn)

    history = await _history(world, Role.HUB_ADMIN, NORTH_TYNESIDE)
    assert [(s["state"], s["withdrawnOn"]) for s in history[-2:]] == [
        ("SIGNED", None),
        ("WITHDRAWN", "2010-01-15"),
    ]
    assert await _history(world, Role.AUDITOR, NORTH_TYNESIDE) == history
    own = await world.token(NORTH_TYNESIDE, Role.AUTHORITY_OFFICER)
    assert await _history(world, None, NORTH_TYNESIDE, token=own) == history
    # Newcastle's officer reads Newcastle's, not North Tyneside's.
    assert await _history(world, Role.AUTHORITY_OFFICER, NORTH_TYNESIDE) == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"state": "WITHDRAWN", "withdrawn": None}, "needs its withdrawal date"),
        ({"state": "SIGNED", "withdrawn": "2010-01-01"}, "needs its withdrawal date"),
        ({"state": "WITHDRAWN", "withdrawn": "2009-01-01"}, "before the signing date"),
        ({"authority": "XXX"}, "unknown authority: XXX"),
    ],
)
async def test_bad_statements_are_refused(
    world: World, variables: dict[str, str | None], message: str
) -> None:
    given = {"authority": "NTY", "state": "SIGNED", "signed": "2009-05-01", "withdrawn": None}
    body = await world.graphql(Role.HUB_ADMIN, RECORD, {**given, **variables})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]


async def test_who_reads_statements(world: World) -> None:
    newcastle = await _history(world, Role.HUB_ADMIN, "E08000021")
    assert newcastle
    assert newcastle[0]["state"] == "SIGNED"
    # A recipient of Newcastle's agreement, and Newcastle itself.
    assert await _history(world, Role.RIEP_ANALYST, "NET") == newcastle
    assert await _history(world, Role.AUTHORITY_OFFICER, "NET") == newcastle
    # Kent's agreement does not name the North East RIEP; the submitter reads no agreements.
    assert await _history(world, Role.HUB_ADMIN, "KEN")
    assert await _history(world, Role.RIEP_ANALYST, "KEN") == []
    assert await _history(world, Role.SUBMITTER, "NET") == []
    # Rutland has a statement and no agreement: the administrator still reads it.
    assert await _history(world, Role.HUB_ADMIN, "RUT")
    assert await _history(world, Role.IDEA_ANALYST, "RUT") == []
    missing = await world.graphql(Role.HUB_ADMIN, HISTORY, {"authority": "XXX"})
    assert codes(missing) == ["NOT_FOUND"]
