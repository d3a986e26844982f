"""Who is who in the demo: principals, authorities in difficulty, and each agreement's story.

Authorities are named by their mySociety three-letter code (see hub/demo/__init__.py for the
table in words). Everything here is data, so the CLI, the tests and the docs read one list.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from hub.models.enums import Role


class DemoPrincipal(NamedTuple):
    org_code: str
    role: Role
    name: str


# The authority officer's council: Newcastle upon Tyne (NET), North East, active full agreement.
AUTHORITY_OFFICER_AUTHORITY = "NET"
AUTHORITY_OFFICER_ORG = "E08000021"  # Newcastle's GSS code, which is its organisation code

DEMO_PRINCIPALS: tuple[DemoPrincipal, ...] = (
    DemoPrincipal("hub", Role.HUB_ADMIN, "demo-hub-admin"),
    DemoPrincipal("riep-north-east", Role.RIEP_ANALYST, "demo-riep-analyst"),
    DemoPrincipal("idea", Role.IDEA_ANALYST, "demo-idea-analyst"),
    DemoPrincipal("idea", Role.CLEARING_HOUSE_OFFICER, "demo-clearing-house-officer"),
    DemoPrincipal(AUTHORITY_OFFICER_ORG, Role.AUTHORITY_OFFICER, "demo-authority-officer"),
    DemoPrincipal("hub-audit", Role.AUDITOR, "demo-auditor"),
    DemoPrincipal("audit-commission", Role.SUBMITTER, "demo-submitter"),
)

# Six authorities in visible difficulty (synthetic: nothing here reflects their real record).
# Their NI values worsen over the last eight quarters, they score low in every assessment.
DIFFICULTY: tuple[str, ...] = ("MDB", "DNC", "STE", "HRY", "TOB", "FOR")


class Story(StrEnum):
    """What happened to an authority's information-sharing agreement."""

    FULL = "full"  # active; every source; provisional data; RIEP and IDeA; every purpose
    FULL_AFTER_AC_ONLY = "full_after_ac_only"  # v1 Audit Commission only, v2 everything
    FULL_AFTER_FINAL_ONLY = "full_after_final_only"  # v1 no provisional data, v2 with it
    AC_ONLY = "ac_only"  # active; Audit Commission sources only
    THEME_CHILDREN = "theme_children"  # active; theme children_and_young_people only
    THEME_ENVIRONMENT = "theme_environment"  # active; theme environment only
    LAA_ENVIRONMENT = "laa_environment"  # active; the GO LAA source, environment theme only
    FINAL_ONLY = "final_only"  # active; everything but provisional data
    NO_RESEARCH = "no_research"  # active; every purpose except research
    RIEP_ONLY = "riep_only"  # active; the RIEP is the only recipient
    NO_AGGREGATES = "no_aggregates"  # active; values shared, aggregates not allowed
    SUSPENDED = "suspended"  # v1 active, v2 suspended
    WITHDRAWN = "withdrawn"  # v1 active, v2 withdrawn; mutuality statement withdrawn
    EXPIRED = "expired"  # one version, ran 2008-04-01 .. 2010-03-31
    DRAFT = "draft"  # one version, not yet in force
    NONE = "none"  # no agreement at all
    NONE_SIGNED = "none_signed"  # no agreement, but the mutuality statement is signed


STORIES: dict[str, Story] = {
    # North East: one of nearly everything, for the demo RIEP analyst.
    "NET": Story.FULL_AFTER_AC_ONLY,
    "DUR": Story.FULL_AFTER_FINAL_ONLY,
    "STT": Story.AC_ONLY,
    "GAT": Story.THEME_CHILDREN,
    "DAL": Story.FINAL_ONLY,
    "SND": Story.NO_RESEARCH,
    "RCC": Story.SUSPENDED,
    "HPL": Story.WITHDRAWN,
    "STY": Story.EXPIRED,
    "NBL": Story.DRAFT,
    "NTY": Story.NONE,
    # Elsewhere.
    "KEN": Story.AC_ONLY,
    "CAB": Story.AC_ONLY,
    "WEA": Story.THEME_ENVIRONMENT,
    "BST": Story.LAA_ENVIRONMENT,
    "MAN": Story.FINAL_ONLY,
    "RIB": Story.FINAL_ONLY,
    "LDS": Story.NO_RESEARCH,
    "BIR": Story.RIEP_ONLY,
    "CMD": Story.NO_AGGREGATES,
    "WSM": Story.SUSPENDED,
    "LIN": Story.SUSPENDED,
    "WOK": Story.WITHDRAWN,
    "GED": Story.WITHDRAWN,
    "IOS": Story.NONE,
    "LND": Story.NONE,
    "TOR": Story.NONE,
    "RUT": Story.NONE_SIGNED,
}


def story(authority_code: str) -> Story:
    return STORIES.get(authority_code, Story.FULL)


class FlagPlan(NamedTuple):
    authority: str
    title: str
    detail: str


RED_FLAGS: tuple[FlagPlan, ...] = (
    FlagPlan(
        "MDB",
        "Educational attainment at 16 is not improving fast enough",
        "Demo red flag: attainment gaps widening; partners' plans not yet showing impact.",
    ),
    FlagPlan(
        "DNC",
        "Governance and leadership of the council",
        "Demo red flag: weaknesses in political and managerial leadership affect outcomes.",
    ),
    FlagPlan(
        "STE",
        "Safeguarding of vulnerable children",
        "Demo red flag: referral and assessment timeliness well below comparable areas.",
    ),
    FlagPlan(
        "HRY",
        "Safeguarding of vulnerable children",
        "Demo red flag: serious case review findings not yet addressed across partners.",
    ),
)
GREEN_FLAGS: tuple[FlagPlan, ...] = (
    FlagPlan("NET", "Working with partners to tackle worklessness", "Demo green flag."),
    FlagPlan("LDS", "Innovative approach to reducing carbon emissions", "Demo green flag."),
    FlagPlan("HAM", "Supporting older people to live independently", "Demo green flag."),
    FlagPlan("SOL", "Narrowing the gap in educational attainment", "Demo green flag."),
    FlagPlan("CHE", "Community engagement in neighbourhood planning", "Demo green flag."),
)
IMPROVEMENT_NOTICES: tuple[FlagPlan, ...] = (
    FlagPlan(
        "DNC",
        "Improvement notice: corporate governance",
        "Demo notice: the Secretary of State requires an improvement board and a recovery plan.",
    ),
    FlagPlan(
        "HRY",
        "Improvement notice: children's services",
        "Demo notice: improvement targets for safeguarding, monitored quarterly by the GO.",
    ),
    FlagPlan(
        "STE",
        "Improvement notice: children's services",
        "Demo notice: improvement targets for assessments and placements.",
    ),
)


class ConcernPlan(NamedTuple):
    authority: str
    raised_by: str  # organisation code of the RIEP
    subject: str
    detail: str
    status: str  # ConcernStatus value


CONCERNS: tuple[ConcernPlan, ...] = (
    ConcernPlan(
        "MDB",
        "riep-north-east",
        "Several children's services indicators deteriorating together",
        "Demo concern: five quarters of decline; the RIEP asks the IDeA to broker peer support.",
        "under_review",
    ),
    ConcernPlan(
        "DNC",
        "riep-yorkshire-and-the-humber",
        "Leadership capacity after senior departures",
        "Demo concern: interim arrangements in three director posts; early warning signs.",
        "open",
    ),
    ConcernPlan(
        "TOB",
        "riep-south-west",
        "Adult social care performance falling",
        "Demo concern: quality-of-life and reablement measures falling for two years.",
        "open",
    ),
    ConcernPlan(
        "HRY",
        "riep-london",
        "Follow-up of peer challenge recommendations",
        "Demo concern: resolved; the council accepted a peer-led recovery programme.",
        "closed",
    ),
)
