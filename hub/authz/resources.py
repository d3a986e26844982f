"""What the policies reason about, as plain objects carrying only the facts a rule may read.

For single-object decisions the objects are real (`SourceRef`). For lists, the classes below
are only types: the policy is evaluated with the row unknown, and its conditions on the row's
fields become SQL (see hub.authz.relations for the fields each kind has).
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """What a request asks for beyond who asks: its stated purpose, on which day."""

    purpose: str
    today: date


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source a submitter pushes to: `submit` is decided on its owning organisation."""

    id: int
    code: str
    organisation_id: int


class Grant:
    """One line of a current agreement version: recipient x purpose x coverage."""


class Reference:
    """Regions, authorities, themes, indicators, sources: public facts."""


class PerformanceRecord:
    """Any performance record: authority_id, source_id, source_organisation_id, theme_code,
    status."""


class Observation(PerformanceRecord):
    pass


class Assessment(PerformanceRecord):
    pass


class Flag(PerformanceRecord):
    pass


class Alert:
    """An early-warning alert: authority_id and the fields of the records that raised it
    (source_id, source_organisation_id, theme_code, status; the first three nil when no
    source's record did). Not a PerformanceRecord: alerts are for analysts, and their own
    rules (policies/alerts.polar) say who else reads what of them."""


class Agreement:
    """An information-sharing agreement: id, authority_id."""


class Concern:
    """A clearing-house concern: id, authority_id, raised_by_organisation_id."""


POLICY_CLASSES: tuple[type, ...] = (
    Agreement,
    Concern,
    AccessRequest,
    SourceRef,
    Grant,
    Reference,
    PerformanceRecord,
    Observation,
    Assessment,
    Flag,
    Alert,
)


# --- ingest (hub/ingest): decided by policies/ingest.polar ---------------------------------


@dataclass(frozen=True, slots=True)
class SubmissionTarget:
    """Where the authorities a batch reports on are: `submit` is decided per source and region."""

    source_id: int
    region_id: int


@dataclass(frozen=True, slots=True)
class BatchScope:
    """Ingest batches of one organisation, or of every organisation when `organisation_id` is
    None: `read` decides who reads batches back (and so which rows a batch list returns)."""

    organisation_id: int | None


POLICY_CLASSES += (SubmissionTarget, BatchScope)


# --- access traces (hub/audit): decided by policies/audit.polar ---------------------------


class AccessRecord:
    """An access record: id, principal_id, organisation_id."""


class AccessTouch:
    """What an access record touched: record_id, authority_id, source_id, record_principal_id,
    record_organisation_id."""


POLICY_CLASSES += (AccessRecord, AccessTouch)
