"""A small, fixed reference world for authorisation tests, and random agreements and data on it.

The oracle here decides visibility from the generated agreement rows in plain Python, written
from the issue's words, not from the policy: it is the independent check of the compiled SQL.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Authority,
    Indicator,
    IngestBatch,
    Observation,
    Organisation,
    Region,
    Source,
    Theme,
)
from hub.models.enums import AgreementState, OrganisationKind, Purpose, Role

TODAY = datetime.now(UTC).date()
PAST, FUTURE = TODAY - timedelta(days=100), TODAY + timedelta(days=100)

REGIONS = {1: "E12000001", 2: "E12000002"}
# authority id -> region id
AUTHORITIES = {1: 1, 2: 1, 3: 2, 4: 2}
THEMES = ("adult_social_care", "environment", "corporate_health")
# org id -> (code, kind, region id, authority id)
ORGS: dict[int, tuple[str, OrganisationKind, int | None, int | None]] = {
    1: ("riep-ne", OrganisationKind.RIEP, 1, None),
    2: ("riep-nw", OrganisationKind.RIEP, 2, None),
    3: ("idea", OrganisationKind.IDEA, None, None),
    4: ("insp-a", OrganisationKind.INSPECTORATE, None, None),
    5: ("insp-b", OrganisationKind.INSPECTORATE, None, None),
    6: ("hub", OrganisationKind.HUB, None, None),
    7: ("hub-audit", OrganisationKind.AUDITOR, None, None),
    **{10 + a: (f"la-{a}", OrganisationKind.AUTHORITY, None, a) for a in AUTHORITIES},
}
RECIPIENTS = (1, 2, 3)
# source id -> (owner org id, theme)
SOURCES: dict[int, tuple[int, str | None]] = {
    1: (4, "corporate_health"),
    2: (5, None),
    3: (4, "adult_social_care"),
}
# indicator id -> theme
INDICATORS = {1: "adult_social_care", 2: "environment", 3: "corporate_health"}
PRINCIPALS: tuple[tuple[str, Role], ...] = (
    ("riep-ne", Role.RIEP_ANALYST),
    ("riep-nw", Role.RIEP_ANALYST),
    ("idea", Role.IDEA_ANALYST),
    ("idea", Role.CLEARING_HOUSE_OFFICER),
    ("la-1", Role.AUTHORITY_OFFICER),
    ("la-3", Role.AUTHORITY_OFFICER),
    ("insp-a", Role.SUBMITTER),
    ("insp-b", Role.SUBMITTER),
    ("hub", Role.HUB_ADMIN),
    ("hub-audit", Role.AUDITOR),
)


async def load_reference(engine: AsyncEngine) -> None:
    async with engine.begin() as c:
        await c.execute(
            insert(Region), [{"id": i, "code": code, "name": code} for i, code in REGIONS.items()]
        )
        await c.execute(insert(Theme), [{"code": t, "name": t} for t in THEMES])
        await c.execute(
            insert(Authority),
            [
                {
                    "id": a,
                    "gss_code": f"E0600000{a}",
                    "code": f"A{a}",
                    "name": f"Authority {a}",
                    "short_name": f"A{a}",
                    "type": "UA",
                    "region_id": r,
                }
                for a, r in AUTHORITIES.items()
            ],
        )
        await c.execute(
            insert(Organisation),
            [
                {
                    "id": i,
                    "code": code,
                    "name": code,
                    "kind": kind,
                    "region_id": region,
                    "authority_id": authority,
                }
                for i, (code, kind, region, authority) in ORGS.items()
            ],
        )
        await c.execute(
            insert(Source),
            [
                {
                    "id": s,
                    "code": f"src-{s}",
                    "name": f"Source {s}",
                    "organisation_id": owner,
                    "theme_code": theme,
                }
                for s, (owner, theme) in SOURCES.items()
            ],
        )
        await c.execute(
            insert(Indicator),
            [
                {
                    "id": i,
                    "code": f"IND{i}",
                    "title": f"Indicator {i}",
                    "unit": "count",
                    "polarity": "neutral",
                    "theme_code": t,
                }
                for i, t in INDICATORS.items()
            ],
        )
        await c.execute(
            insert(IngestBatch),
            [
                {
                    "id": s,
                    "source_id": s,
                    "organisation_id": SOURCES[s][0],
                    "format": "test",
                    "status": "applied",
                }
                for s in SOURCES
            ],
        )


@dataclass(frozen=True)
class Terms:
    state: AgreementState
    effective_from: date
    effective_to: date | None
    review_date: date | None
    include_provisional: bool
    recipients: frozenset[int]
    purposes: frozenset[Purpose]
    coverage: frozenset[tuple[int | None, str | None]]


@dataclass(frozen=True)
class Record:
    authority: int
    indicator: int
    source: int
    status: str


@dataclass
class World:
    agreements: dict[int, list[Terms]] = field(default_factory=dict)  # authority -> versions
    records: list[Record] = field(default_factory=list)


def _end_dates() -> st.SearchStrategy[date | None]:
    # Mostly in force, so that most examples share something and a leak has rows to leak.
    return st.sampled_from([None, None, FUTURE, FUTURE, PAST])


OTHER_STATES = [s for s in AgreementState if s is not AgreementState.ACTIVE]

terms = st.builds(
    Terms,
    state=st.sampled_from([AgreementState.ACTIVE] * len(OTHER_STATES) + OTHER_STATES),
    effective_from=st.sampled_from([PAST, PAST, PAST, FUTURE]),
    effective_to=_end_dates(),
    review_date=_end_dates(),
    include_provisional=st.booleans(),
    recipients=st.one_of(
        st.just(frozenset(RECIPIENTS)), st.frozensets(st.sampled_from(RECIPIENTS), min_size=1)
    ),
    purposes=st.one_of(
        st.just(frozenset(Purpose)), st.frozensets(st.sampled_from(list(Purpose)), min_size=1)
    ),
    coverage=st.frozensets(
        st.tuples(st.sampled_from([None, *SOURCES]), st.sampled_from([None, *THEMES])).filter(
            lambda line: line != (None, None)
        ),
        min_size=1,
        max_size=3,
    ),
)
records = st.builds(
    Record,
    authority=st.sampled_from(list(AUTHORITIES)),
    indicator=st.sampled_from(list(INDICATORS)),
    source=st.sampled_from(list(SOURCES)),
    status=st.sampled_from(["final", "provisional"]),
)
worlds = st.builds(
    World,
    agreements=st.dictionaries(
        st.sampled_from(list(AUTHORITIES)), st.lists(terms, min_size=1, max_size=2), max_size=4
    ),
    records=st.lists(records, min_size=10, max_size=60),
)


async def store(engine: AsyncEngine, world: World) -> list[int]:
    """Replace agreements and observations with the world's; the observation ids in order."""
    async with engine.begin() as c:
        for model in (
            AgreementCoverage,
            AgreementPurpose,
            AgreementRecipient,
            AgreementVersion,
            Agreement,
            Observation,
        ):
            await c.execute(delete(model))
        version_id = 0
        for authority, versions in world.agreements.items():
            await c.execute(
                insert(Agreement),
                [{"id": authority, "reference": f"ISA-{authority}", "authority_id": authority}],
            )
            for number, t in enumerate(versions, start=1):
                version_id += 1
                await c.execute(
                    insert(AgreementVersion),
                    [_version(version_id, authority, number, number == len(versions), t)],
                )
                await c.execute(
                    insert(AgreementRecipient),
                    [{"version_id": version_id, "organisation_id": o} for o in t.recipients],
                )
                await c.execute(
                    insert(AgreementPurpose),
                    [{"version_id": version_id, "purpose": p} for p in t.purposes],
                )
                await c.execute(
                    insert(AgreementCoverage),
                    [
                        {"version_id": version_id, "source_id": s, "theme_code": th}
                        for s, th in t.coverage
                    ],
                )
        ids = []
        for n, r in enumerate(world.records, start=1):
            ids.append(n)
            await c.execute(insert(Observation), [_observation(n, r)])
    return ids


def _version(
    version_id: int, authority: int, number: int, current: bool, t: Terms
) -> dict[str, Any]:
    return {
        "id": version_id,
        "agreement_id": authority,
        "version": number,
        "is_current": current,
        "state": t.state,
        "effective_from": t.effective_from,
        "effective_to": t.effective_to,
        "review_date": t.review_date,
        "include_provisional": t.include_provisional,
        "allow_aggregates": True,
        "lawful_basis": "test",
        "retention": "test",
        "contact": "test",
    }


def _observation(n: int, r: Record) -> dict[str, Any]:
    return {
        "id": n,
        "authority_id": r.authority,
        "indicator_id": r.indicator,
        "source_id": r.source,
        "period": f"P{n}",
        "period_start": date(2009, 1, 1),
        "period_end": date(2009, 3, 31),
        "value": float(n),
        "status": r.status,
        "batch_id": r.source,
    }


def _in_force(t: Terms) -> bool:
    return (
        t.state is AgreementState.ACTIVE
        and t.effective_from <= TODAY
        and (t.effective_to is None or t.effective_to >= TODAY)
        and (t.review_date is None or t.review_date >= TODAY)
    )


def _covers(t: Terms, r: Record) -> bool:
    theme = INDICATORS[r.indicator]
    return any(
        (source is None or source == r.source) and (line_theme is None or line_theme == theme)
        for source, line_theme in t.coverage
    )


def visible(world: World, org_code: str, role: Role, purpose: Purpose, r: Record) -> bool:
    """The issue's rules, stated directly: who may receive this record."""
    org_id = next(i for i, o in ORGS.items() if o[0] == org_code)
    _, _, org_region, org_authority = ORGS[org_id]
    if role is Role.AUTHORITY_OFFICER:
        return r.authority == org_authority
    if role is Role.SUBMITTER:
        return SOURCES[r.source][0] == org_id
    if role not in (Role.RIEP_ANALYST, Role.IDEA_ANALYST, Role.CLEARING_HOUSE_OFFICER):
        return False
    if role is Role.RIEP_ANALYST and AUTHORITIES[r.authority] != org_region:
        return False
    versions = world.agreements.get(r.authority)
    if not versions:
        return False
    current = versions[-1]
    return (
        _in_force(current)
        and org_id in current.recipients
        and purpose in current.purposes
        and _covers(current, r)
        and (r.status == "final" or current.include_provisional)
    )
