"""Helpers for the agreement tests on the shared demo world.

Tests that change the world only make agreements of their own (fresh references) that grant
nothing anybody else reads, except where a test says otherwise and undoes it.
"""

import secrets
from typing import Any

from hub.models.enums import Role
from tests.support import World

ALL_SOURCES = [
    "ac-cpa",
    "ac-caa",
    "ac-use-of-resources",
    "ofsted-childrens-services",
    "cqc-adult-social-care",
    "go-north-east-laa",
]

AGREEMENT_FIELDS = """
  reference
  authority { gssCode }
  current { version isCurrent state recipients purposes changeNote createdBy }
  versions {
    version isCurrent state effectiveFrom effectiveTo reviewDate includeProvisional
    allowAggregates lawfulBasis retention contact changeNote createdAt createdBy
    coverage { source theme } recipients purposes
  }
"""

CREATE = (
    """
mutation Create($input: NewAgreementInput!) {
  createAgreement(input: $input) {"""
    + AGREEMENT_FIELDS
    + "} }"
)

AMEND = (
    """
mutation Amend($reference: String!, $input: AgreementAmendmentInput!) {
  amendAgreement(reference: $reference, input: $input) {"""
    + AGREEMENT_FIELDS
    + "} }"
)

SET_STATE = """
mutation State($reference: String!, $state: AgreementState!, $note: String!) {
  setAgreementState(reference: $reference, state: $state, note: $note) {
    reference current { version state changeNote }
  }
}
"""

READ = (
    """
query Read($reference: String!) {
  agreement(reference: $reference) {"""
    + AGREEMENT_FIELDS
    + "} }"
)


def new_terms(authority: str, reference: str | None, **changes: Any) -> dict[str, Any]:
    """Terms for a DRAFT agreement shared with the LGA only: it grants nobody in the demo
    anything, so creating it does not change what other tests read."""
    terms: dict[str, Any] = {
        "authority": authority,
        "reference": reference,
        "effectiveFrom": "2009-04-01",
        "coverage": [{"source": "ac-cpa"}, {"theme": "environment"}],
        "recipients": ["lga"],
        "purposes": ["IMPROVEMENT_SUPPORT"],
        "lawfulBasis": "Local Government Act 2000 s.2",
        "retention": "Six years after the agreement ends.",
        "contact": "Head of Policy (test contact)",
    }
    terms.update(changes)
    return terms


def new_reference() -> str:
    return f"ISA-TEST-{secrets.token_hex(4).upper()}"


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def admin(world: World, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = await world.graphql(Role.HUB_ADMIN, query, variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data
