"""Registers the domain's vocabularies (hub.models.enums) as GraphQL enums, in place.

Import the enums from hub.models.enums; importing this module first makes them GraphQL types.
"""

import strawberry

from hub.models import enums

for _enum in (
    enums.ObservationStatus,
    enums.Polarity,
    enums.Framework,
    enums.FlagKind,
    enums.Role,
    enums.OrganisationKind,
    enums.AgreementState,
    enums.Purpose,
    enums.MutualityState,
    enums.ConcernStatus,
    enums.BatchStatus,
):
    strawberry.enum(_enum)
strawberry.enum(enums.AccessOutcome, description="How a request ended.")
