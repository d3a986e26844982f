"""The closed vocabularies of the domain (DESIGN.md glossary); stored as their string values."""

from enum import StrEnum


class OrganisationKind(StrEnum):
    INSPECTORATE = "inspectorate"
    GOVERNMENT_OFFICE = "government_office"
    RIEP = "riep"
    IDEA = "idea"
    LGA = "lga"
    AUTHORITY = "authority"
    AUDITOR = "auditor"
    HUB = "hub"


class Role(StrEnum):
    SUBMITTER = "submitter"
    RIEP_ANALYST = "riep_analyst"
    IDEA_ANALYST = "idea_analyst"
    CLEARING_HOUSE_OFFICER = "clearing_house_officer"
    AUTHORITY_OFFICER = "authority_officer"
    AUDITOR = "auditor"
    HUB_ADMIN = "hub_admin"


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NEUTRAL = "neutral"


class ObservationStatus(StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"


class Framework(StrEnum):
    CPA = "cpa"
    CAA_ORGANISATIONAL = "caa_organisational"
    USE_OF_RESOURCES = "use_of_resources"
    OFSTED_APA = "ofsted_apa"
    OFSTED_JAR = "ofsted_jar"
    OFSTED_CHILDRENS_SERVICES = "ofsted_childrens_services"
    CQC_ADULT_SOCIAL_CARE = "cqc_adult_social_care"


class FlagKind(StrEnum):
    CAA_RED = "caa_red"
    CAA_GREEN = "caa_green"
    IMPROVEMENT_NOTICE = "improvement_notice"


class AgreementState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Purpose(StrEnum):
    IMPROVEMENT_SUPPORT = "improvement_support"
    EARLY_WARNING = "early_warning"
    BENCHMARKING = "benchmarking"
    RESEARCH = "research"


class MutualityState(StrEnum):
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"


class ConcernStatus(StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    CLOSED = "closed"


class BatchStatus(StrEnum):
    RECEIVED = "received"
    APPLIED = "applied"
    REJECTED = "rejected"


class AccessOutcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    ERROR = "error"
    UNAUTHENTICATED = "unauthenticated"
    LIMITED = "limited"
