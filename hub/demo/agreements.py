"""Information-sharing agreements and mutuality statements, one story per authority.

A story (hub/demo/scenario.py) becomes one or two versions: the older one is history
(`is_current` false, `effective_to` the day before its successor); the newest is current.
Plans are plain rows (the ORM took seconds to flush a few thousand coverage lines); the loader
inserts them with Core, table by table.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hub.demo.catalogue import AUDIT_COMMISSION_SOURCES
from hub.demo.scenario import Story, story
from hub.models.enums import AgreementState, MutualityState, Purpose

LAWFUL_BASIS = (
    "Local Government Act 2000 s.2 (promotion of well-being) and Local Government and Public "
    "Involvement in Health Act 2007 Part 5 (LAAs); shared under the authority's mutuality "
    "statement for sector-led improvement."
)
RETENTION = (
    "Held while the agreement is in force and for six years after it ends, then deleted; "
    "aggregates without authority names may be kept."
)


@dataclass(frozen=True, slots=True)
class Party:
    """What an agreement needs to know about its authority."""

    id: int
    code: str
    short_name: str
    riep_id: int
    laa_source_id: int


@dataclass(frozen=True, slots=True)
class VersionPlan:
    row: dict[str, Any]  # agreement_version columns, without agreement_id
    coverage: list[tuple[int | None, str | None]]  # (source id, theme code)
    recipients: list[int]  # organisation ids
    purposes: list[str]


@dataclass(frozen=True, slots=True)
class AgreementPlan:
    row: dict[str, Any]  # agreement columns
    versions: list[VersionPlan]


@dataclass(frozen=True, slots=True)
class Terms:
    state: AgreementState
    start: date
    coverage: tuple[tuple[int | None, str | None], ...]  # (source id, theme code)
    provisional: bool = True
    aggregates: bool = True
    riep_only: bool = False
    research: bool = True
    end: date | None = None
    note: str | None = None


def _offset(code: str, days: int) -> timedelta:
    """A stable per-authority spread of dates, so not every council signed on the same day."""
    return timedelta(days=zlib.crc32(code.encode()) % days)


def _terms(
    party: Party,
    plan: Story,
    every_source: tuple[tuple[int | None, str | None], ...],
    ac_sources: tuple[tuple[int | None, str | None], ...],
) -> list[Terms]:
    start = date(2009, 4, 1) + _offset(party.code, 60)
    full = Terms(AgreementState.ACTIVE, start, every_source)
    if plan is Story.FULL_AFTER_AC_ONLY:
        return [
            Terms(AgreementState.ACTIVE, start, ac_sources),
            Terms(
                AgreementState.ACTIVE,
                date(2009, 10, 1),
                every_source,
                note="Extended to every source after the RIEP board's review.",
            ),
        ]
    if plan is Story.FULL_AFTER_FINAL_ONLY:
        return [
            Terms(AgreementState.ACTIVE, start, every_source, provisional=False),
            Terms(
                AgreementState.ACTIVE,
                date(2010, 1, 1),
                every_source,
                note="Provisional values now shared, for earlier warning.",
            ),
        ]
    if plan in (Story.SUSPENDED, Story.WITHDRAWN):
        changed = date(2009, 12, 1) + _offset(party.code, 45)
        state = AgreementState.SUSPENDED if plan is Story.SUSPENDED else AgreementState.WITHDRAWN
        note = (
            "Suspended at the authority's request while a data-quality issue is investigated."
            if plan is Story.SUSPENDED
            else "Withdrawn by the authority, with its mutuality statement."
        )
        return [full, Terms(state, changed, every_source, note=note)]
    single = {
        Story.AC_ONLY: Terms(AgreementState.ACTIVE, start, ac_sources),
        Story.THEME_CHILDREN: Terms(
            AgreementState.ACTIVE, start, ((None, "children_and_young_people"),)
        ),
        Story.THEME_ENVIRONMENT: Terms(AgreementState.ACTIVE, start, ((None, "environment"),)),
        Story.LAA_ENVIRONMENT: Terms(
            AgreementState.ACTIVE, start, ((party.laa_source_id, "environment"),)
        ),
        Story.FINAL_ONLY: Terms(AgreementState.ACTIVE, start, every_source, provisional=False),
        Story.NO_RESEARCH: Terms(AgreementState.ACTIVE, start, every_source, research=False),
        Story.RIEP_ONLY: Terms(AgreementState.ACTIVE, start, every_source, riep_only=True),
        Story.NO_AGGREGATES: Terms(AgreementState.ACTIVE, start, every_source, aggregates=False),
        Story.EXPIRED: Terms(
            AgreementState.EXPIRED, date(2008, 4, 1), every_source, end=date(2010, 3, 31)
        ),
        Story.DRAFT: Terms(AgreementState.DRAFT, date(2010, 5, 1), every_source),
    }
    return [single.get(plan, full)]


def _review_date(terms: Terms, is_current: bool) -> date | None:
    """None for an agreement still in force: policies compare review dates with the real today,
    and a 2011 review date would end every demo agreement. History keeps a plausible date."""
    if is_current and terms.state is AgreementState.ACTIVE:
        return None
    return date(terms.start.year + 2, 3, 31)


def _version(
    party: Party,
    number: int,
    terms: Terms,
    is_current: bool,
    end: date | None,
    idea_id: int,
    admin_id: int | None,
) -> VersionPlan:
    return VersionPlan(
        row={
            "version": number,
            "is_current": is_current,
            "state": terms.state.value,
            "effective_from": terms.start,
            "effective_to": end,
            "review_date": _review_date(terms, is_current),
            "include_provisional": terms.provisional,
            "allow_aggregates": terms.aggregates,
            "lawful_basis": LAWFUL_BASIS,
            "retention": RETENTION,
            "contact": f"Head of Performance and Improvement, {party.short_name} (demo contact)",
            "change_note": terms.note,
            "created_at": datetime.combine(terms.start - timedelta(days=7), time(9), UTC),
            "created_by_id": admin_id,
        },
        coverage=list(terms.coverage),
        recipients=[party.riep_id] if terms.riep_only else [party.riep_id, idea_id],
        purposes=[p.value for p in Purpose if terms.research or p is not Purpose.RESEARCH],
    )


def build_agreements(
    parties: list[Party], source_ids: dict[str, int], idea_id: int, admin_id: int | None
) -> tuple[list[AgreementPlan], list[dict[str, Any]]]:
    """The agreements and the mutuality statements (rows) of every party."""
    every_source = tuple((s, None) for s in sorted(source_ids.values()))
    ac_sources = tuple((source_ids[c], None) for c in AUDIT_COMMISSION_SOURCES)
    agreements: list[AgreementPlan] = []
    statements: list[dict[str, Any]] = []
    for party in parties:
        plan = story(party.code)
        signed = date(2009, 3, 1) + _offset(party.code, 60)
        if plan is Story.NONE:
            continue
        history = [] if plan is Story.NONE_SIGNED else _terms(party, plan, every_source, ac_sources)
        if history:
            versions = []
            for number, terms in enumerate(history, start=1):
                later = history[number] if number < len(history) else None
                end = later.start - timedelta(days=1) if later else terms.end
                versions.append(
                    _version(party, number, terms, later is None, end, idea_id, admin_id)
                )
            row = {
                "reference": f"ISA-{party.code}",
                "authority_id": party.id,
                "created_at": versions[0].row["created_at"],
            }
            agreements.append(AgreementPlan(row, versions))
            signed = min(signed, history[0].start - timedelta(days=14))
        withdrawn = history[-1].start if plan is Story.WITHDRAWN else None
        statements.append(
            {
                "authority_id": party.id,
                "state": (MutualityState.WITHDRAWN if withdrawn else MutualityState.SIGNED).value,
                "signed_on": signed,
                "withdrawn_on": withdrawn,
                "recorded_at": datetime.combine(withdrawn or signed, time(9), UTC),
            }
        )
    return agreements, statements
