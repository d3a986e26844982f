"""Callers whom the policy treats alike share one decision object.

Compiled SQL is cached under the decision; a lookup under an equal but distinct decision
compares its whole tree (a quarter of a millisecond a lookup), one under the same object
compares at once. So the second analyst of a RIEP must get the first analyst's object.
"""

from datetime import date

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Action, Kind, load_authorizer
from hub.models.enums import OrganisationKind, Purpose, Role

TODAY = AccessRequest(purpose=Purpose.IMPROVEMENT_SUPPORT.value, today=date(2009, 11, 1))


def _analyst(principal_id: int, organisation_id: int) -> AuthenticatedPrincipal:
    return AuthenticatedPrincipal(
        principal_id=principal_id,
        name=f"analyst {principal_id}",
        role=Role.RIEP_ANALYST,
        organisation_id=organisation_id,
        organisation_code=f"RIEP{organisation_id}",
        organisation_kind=OrganisationKind.RIEP,
        region_id=organisation_id,
        authority_id=None,
        token_id=principal_id,
    )


def test_two_analysts_of_one_riep_share_the_decision_object() -> None:
    authorizer = load_authorizer()
    first = authorizer.row_decision(_analyst(1, 5), Action.READ, TODAY, Kind.OBSERVATION)
    second = authorizer.row_decision(_analyst(2, 5), Action.READ, TODAY, Kind.OBSERVATION)
    assert not first.denies_all
    assert second is first


def test_analysts_of_different_riep_keep_their_own_decisions() -> None:
    authorizer = load_authorizer()
    mine = authorizer.row_decision(_analyst(1, 5), Action.READ, TODAY, Kind.OBSERVATION)
    theirs = authorizer.row_decision(_analyst(2, 6), Action.READ, TODAY, Kind.OBSERVATION)
    assert theirs != mine
