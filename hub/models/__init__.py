"""Every table of the hub; importing this module registers them all on `Base.metadata`."""

from hub.models.agreement import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    GrantLine,
    MutualityStatement,
)
from hub.models.alerts import Alert, AlertState, Commitment, CommitmentKind, Severity
from hub.models.audit import AccessRecord
from hub.models.base import Base
from hub.models.catalogue import Indicator, Source
from hub.models.concern import Concern
from hub.models.ingest import IngestBatch
from hub.models.organisation import ApiToken, Organisation, Principal
from hub.models.performance import Assessment, Flag, Observation
from hub.models.reference import Authority, Region, Theme

__all__ = [
    "AccessRecord",
    "Agreement",
    "AgreementCoverage",
    "AgreementPurpose",
    "AgreementRecipient",
    "AgreementVersion",
    "Alert",
    "AlertState",
    "ApiToken",
    "Assessment",
    "Authority",
    "Base",
    "Commitment",
    "CommitmentKind",
    "Concern",
    "Flag",
    "GrantLine",
    "Indicator",
    "IngestBatch",
    "MutualityStatement",
    "Observation",
    "Organisation",
    "Principal",
    "Region",
    "Severity",
    "Source",
    "Theme",
]
