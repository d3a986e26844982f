"""Agreements through GraphQL: managed by the administrator only, every change a new version,
read as the policy allows, withdrawal effective on the very next request."""

from typing import Any

import pytest

from hub.models.enums import Role
from tests.agreements.helpers import (
    ALL_SOURCES,
    AMEND,
    CREATE,
    READ,
    SET_STATE,
    admin,
    codes,
    new_reference,
    new_terms,
)
from tests.support import World

NOT_ADMIN = [role for role in Role if role is not Role.HUB_ADMIN]
# The demo gives North Tyneside no agreement: the tests make theirs there (fresh references,
# DRAFT and shared with the LGA only unless a test says otherwise, so nobody reads more).
NORTH_TYNESIDE = "E08000022"


async def test_admin_creates_amends_and_changes_state_keeping_history(world: World) -> None:
    ref = new_reference()
    made = (
        await admin(world, CREATE, {"input": new_terms(NORTH_TYNESIDE, ref, changeNote="first")})
    )["createAgreement"]
    assert made["reference"] == ref
    assert made["authority"]["gssCode"] == NORTH_TYNESIDE
    assert [v["version"] for v in made["versions"]] == [1]
    first = made["versions"][0]
    assert first["state"] == "DRAFT"
    assert first["isCurrent"]
    assert first["coverage"] == [
        {"source": "ac-cpa", "theme": None},
        {"source": None, "theme": "environment"},
    ]
    assert first["recipients"] == ["lga"]
    assert first["purposes"] == ["IMPROVEMENT_SUPPORT"]
    assert first["includeProvisional"] is False
    assert first["allowAggregates"] is True
    assert first["contact"] == "Head of Policy (test contact)"
    assert first["createdBy"] == "demo-hub-admin"
    assert first["changeNote"] == "first"

    amended = (
        await admin(
            world,
            AMEND,
            {
                "reference": ref,
                "input": {
                    "changeNote": "research too; no end date",
                    "purposes": ["IMPROVEMENT_SUPPORT", "RESEARCH"],
                    "coverage": [{"source": "ofsted-childrens-services", "theme": None}],
                    "reviewDate": "2011-03-31",
                    "includeProvisional": True,
                },
            },
        )
    )["amendAgreement"]
    assert [v["version"] for v in amended["versions"]] == [1, 2]
    assert [v["isCurrent"] for v in amended["versions"]] == [False, True]
    old, new = amended["versions"]
    assert old["purposes"] == ["IMPROVEMENT_SUPPORT"]  # history is not rewritten
    assert old["coverage"][0]["source"] == "ac-cpa"
    assert new["purposes"] == ["IMPROVEMENT_SUPPORT", "RESEARCH"]
    assert new["coverage"] == [{"source": "ofsted-childrens-services", "theme": None}]
    assert new["reviewDate"] == "2011-03-31"
    assert new["includeProvisional"] is True
    assert new["recipients"] == ["lga"]
    assert new["lawfulBasis"] == old["lawfulBasis"]
    assert new["changeNote"] == "research too; no end date"

    cleared = (
        await admin(
            world,
            AMEND,
            {"reference": ref, "input": {"changeNote": "no review", "reviewDate": None}},
        )
    )["amendAgreement"]
    assert cleared["versions"][-1]["reviewDate"] is None

    for number, state in ((4, "ACTIVE"), (5, "SUSPENDED"), (6, "WITHDRAWN")):
        body = await admin(
            world, SET_STATE, {"reference": ref, "state": state, "note": f"now {state}"}
        )
        current = body["setAgreementState"]["current"]
        assert current == {"version": number, "state": state, "changeNote": f"now {state}"}

    history = (await admin(world, READ, {"reference": ref}))["agreement"]
    assert [v["version"] for v in history["versions"]] == [1, 2, 3, 4, 5, 6]
    assert [v["isCurrent"] for v in history["versions"]] == [False] * 5 + [True]
    assert [v["state"] for v in history["versions"]] == [
        "DRAFT",
        "DRAFT",
        "DRAFT",
        "ACTIVE",
        "SUSPENDED",
        "WITHDRAWN",
    ]
    assert history["current"]["version"] == 6
    # The terms carry through a change of state.
    assert history["versions"][-1]["purposes"] == ["IMPROVEMENT_SUPPORT", "RESEARCH"]


async def test_the_reference_defaults_to_the_authority_code(world: World) -> None:
    body = await admin(world, CREATE, {"input": new_terms(NORTH_TYNESIDE, None)})
    assert body["createAgreement"]["reference"] == "ISA-NTY"


@pytest.mark.parametrize("role", NOT_ADMIN)
async def test_every_other_role_is_forbidden_to_manage(world: World, role: Role) -> None:
    ref = new_reference()
    attempts: list[tuple[str, dict[str, Any]]] = [
        (CREATE, {"input": new_terms(NORTH_TYNESIDE, ref)}),
        (AMEND, {"reference": "ISA-NET", "input": {"changeNote": "x", "recipients": ["lga"]}}),
        (SET_STATE, {"reference": "ISA-NET", "state": "WITHDRAWN", "note": "x"}),
        (
            """mutation { recordMutualityStatement(authority: "NTY", state: SIGNED,
               signedOn: "2009-05-01") { state } }""",
            {},
        ),
    ]
    for query, variables in attempts:
        body = await world.graphql(role, query, variables)
        assert codes(body) == ["FORBIDDEN"], body
        assert body["data"] is None
    # Nothing changed.
    assert codes(await world.graphql(Role.HUB_ADMIN, READ, {"reference": ref})) == ["NOT_FOUND"]
    newcastle = (await admin(world, READ, {"reference": "ISA-NET"}))["agreement"]
    assert newcastle["current"]["state"] == "ACTIVE"
    assert newcastle["current"]["version"] == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coverage": []}, "at least one coverage line"),
        ({"coverage": [{"source": None, "theme": None}]}, "names a source, a theme or both"),
        ({"coverage": [{"source": "no-such-source"}]}, "unknown source: no-such-source"),
        ({"coverage": [{"theme": "astrology"}]}, "unknown theme: astrology"),
        ({"recipients": ["lga", "nobody"]}, "unknown organisation: nobody"),
        ({"recipients": []}, "at least one recipient"),
        ({"purposes": []}, "at least one permitted purpose"),
        ({"authority": "XXX"}, "unknown authority: XXX"),
        ({"effectiveTo": "2009-01-01"}, "effective_to is before effective_from"),
        ({"contact": "  "}, "contact is required"),
        ({"reference": "ISA-NET"}, "ISA-NET exists already"),
    ],
)
async def test_bad_terms_are_refused_and_change_nothing(
    world: World, changes: dict[str, Any], message: str
) -> None:
    ref = new_reference()
    terms = new_terms(NORTH_TYNESIDE, ref)
    terms.update(changes)
    body = await world.graphql(Role.HUB_ADMIN, CREATE, {"input": terms})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
    if terms["reference"] == ref:
        assert codes(await world.graphql(Role.HUB_ADMIN, READ, {"reference": ref})) == ["NOT_FOUND"]


async def test_bad_changes_are_refused(world: World) -> None:
    ref = new_reference()
    await admin(world, CREATE, {"input": new_terms(NORTH_TYNESIDE, ref)})

    def amend(changes: dict[str, Any]) -> dict[str, Any]:
        return {"reference": ref, "input": {"changeNote": "why", **changes}}

    same = await world.graphql(Role.HUB_ADMIN, AMEND, amend({"recipients": ["lga"]}))
    assert codes(same) == ["BAD_USER_INPUT"]
    assert "nothing to amend" in same["errors"][0]["message"]
    null = await world.graphql(Role.HUB_ADMIN, AMEND, amend({"contact": None}))
    assert codes(null) == ["BAD_USER_INPUT"]
    assert "contact" in null["errors"][0]["message"]
    no_note = await world.graphql(
        Role.HUB_ADMIN, AMEND, amend({"changeNote": " ", "retention": "x"})
    )
    assert codes(no_note) == ["BAD_USER_INPUT"]
    bad = await world.graphql(Role.HUB_ADMIN, AMEND, amend({"recipients": ["nobody"]}))
    assert codes(bad) == ["BAD_USER_INPUT"]
    again = await world.graphql(
        Role.HUB_ADMIN, SET_STATE, {"reference": ref, "state": "DRAFT", "note": "again"}
    )
    assert codes(again) == ["BAD_USER_INPUT"]
    assert "draft already" in again["errors"][0]["message"]
    missing = await world.graphql(
        Role.HUB_ADMIN, SET_STATE, {"reference": "ISA-NONE-SUCH", "state": "ACTIVE", "note": "x"}
    )
    assert codes(missing) == ["NOT_FOUND"]
    history = (await admin(world, READ, {"reference": ref}))["agreement"]
    assert [v["version"] for v in history["versions"]] == [1]


OBSERVATIONS = """
query Obs($authorities: [String!]) {
  observations(filter: {authorities: $authorities}, first: 100) { nodes { period value } }
}
"""


async def test_withdrawal_takes_effect_on_the_very_next_request(world: World) -> None:
    riep = await world.token("riep-north-east", Role.RIEP_ANALYST, name="withdrawal-test")

    async def seen() -> int:
        body = await world.graphql(
            None, OBSERVATIONS, {"authorities": [NORTH_TYNESIDE]}, token=riep
        )
        assert "errors" not in body, body
        return len(body["data"]["observations"]["nodes"])

    assert await seen() == 0
    ref = new_reference()
    terms = new_terms(
        NORTH_TYNESIDE,
        ref,
        state="ACTIVE",
        coverage=[{"source": s} for s in ALL_SOURCES],
        recipients=["riep-north-east"],
        purposes=["EARLY_WARNING"],
        includeProvisional=True,
    )
    await admin(world, CREATE, {"input": terms})
    try:
        assert await seen() > 0
        await admin(world, SET_STATE, {"reference": ref, "state": "WITHDRAWN", "note": "withdrawn"})
        assert await seen() == 0
    finally:  # leave the world as other tests expect it, even when this test fails
        await world.graphql(
            Role.HUB_ADMIN, SET_STATE, {"reference": ref, "state": "WITHDRAWN", "note": "undo"}
        )


CONTACT = """
query ($reference: String!) {
  agreement(reference: $reference) { reference current { contact } versions { contact } }
}
"""


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.HUB_ADMIN, True),
        (Role.AUDITOR, True),
        (Role.AUTHORITY_OFFICER, True),  # Newcastle's own
        (Role.RIEP_ANALYST, False),  # a recipient
        (Role.IDEA_ANALYST, False),  # a recipient
    ],
)
async def test_contact_is_hidden_from_recipients_with_a_reason(
    world: World, role: Role, shown: bool
) -> None:
    body = await world.graphql(role, CONTACT, {"reference": "ISA-NET"})
    agreement = body["data"]["agreement"]
    assert agreement["reference"] == "ISA-NET"
    if shown:
        assert "errors" not in body, body
        assert "(demo contact)" in agreement["current"]["contact"]
        return
    assert agreement["current"]["contact"] is None
    assert all(v["contact"] is None for v in agreement["versions"])
    assert set(codes(body)) == {"FORBIDDEN"}
    assert len(body["errors"]) == 1 + len(agreement["versions"])
    assert body["errors"][0]["extensions"]["field"] == "contact"
    assert body["errors"][0]["path"] == ["agreement", "current", "contact"]


LIST = """
query ($authority: String, $state: AgreementState, $after: String) {
  agreements(authority: $authority, state: $state, first: 500, after: $after) {
    nodes { reference authority { gssCode region { code } } current { state recipients } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
NORTH_EAST = "E12000001"


async def _all(world: World, role: Role, **variables: Any) -> list[dict[str, Any]]:
    return await world.every_page(role, LIST, "agreements", variables)


async def test_who_reads_which_agreements(world: World) -> None:
    everything = await _all(world, Role.HUB_ADMIN)
    assert len(everything) > 300
    assert len(await _all(world, Role.AUDITOR)) == len(everything)

    riep = await _all(world, Role.RIEP_ANALYST)
    assert riep
    assert all("riep-north-east" in a["current"]["recipients"] for a in riep)
    assert {a["authority"]["region"]["code"] for a in riep} == {NORTH_EAST}
    named = [a for a in everything if "riep-north-east" in a["current"]["recipients"]]
    assert {a["reference"] for a in riep} == {a["reference"] for a in named}

    own = await _all(world, Role.AUTHORITY_OFFICER)
    assert {a["authority"]["gssCode"] for a in own} == {"E08000021"}
    assert await _all(world, Role.SUBMITTER) == []

    # A single agreement the caller may not read is exactly like a missing one.
    for reference in ("ISA-KEN", "ISA-NO-SUCH-AGREEMENT"):
        body = await world.graphql(Role.RIEP_ANALYST, READ, {"reference": reference})
        assert codes(body) == ["NOT_FOUND"]
        assert body["data"] is None
        assert body["errors"][0]["message"] == "agreement not found"


async def test_filters_by_authority_and_current_state(world: World) -> None:
    suspended = await _all(world, Role.HUB_ADMIN, state="SUSPENDED")
    refs = {a["reference"] for a in suspended}
    assert {"ISA-RCC", "ISA-WSM"} <= refs  # Redcar and Cleveland, Westminster
    assert all(a["current"]["state"] == "SUSPENDED" for a in suspended)
    newcastle = await _all(world, Role.HUB_ADMIN, authority="NET")
    assert [a["reference"] for a in newcastle] == ["ISA-NET"]
    assert await _all(world, Role.HUB_ADMIN, authority="E08000021") == newcastle


NESTED = """
query ($first: Int!) {
  agreements(first: $first) {
    nodes {
      reference authority { name }
      current { contact }
      versions { version coverage { source theme } recipients purposes }
    }
  }
}
"""


async def test_nested_lists_are_batched(world: World) -> None:
    counts = []
    for first in (2, 60):
        with world.statements.counting() as counter:
            body = await world.graphql(Role.HUB_ADMIN, NESTED, {"first": first})
        assert "errors" not in body, body
        nodes = body["data"]["agreements"]["nodes"]
        assert len(nodes) == first
        assert all(v["coverage"] and v["recipients"] for a in nodes for v in a["versions"])
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    # agreements, versions, coverage, recipients, purposes, authorities; plus the request's own
    # (token, access record): bounded whatever the number of agreements.
    assert counts[1] <= 12, counts
