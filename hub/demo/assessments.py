"""Synthetic inspection results and flags: CPA, CAA, use of resources, Ofsted APA.

Scores follow each authority's quality (the same one its NI values use), with a little seeded
noise, so a strong council looks strong everywhere; the authorities in difficulty score low and
their CPA direction of travel is "not improving adequately" from 2007. Every score is higher =
better: CPA 0-4 stars, CAA and use of resources 1-4, APA 1 (inadequate) to 4 (outstanding).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from hub.demo.observations import SEED, authority_quality
from hub.demo.scenario import GREEN_FLAGS, IMPROVEMENT_NOTICES, RED_FLAGS, FlagPlan
from hub.models.enums import FlagKind, Framework, ObservationStatus

# Single-tier and county councils: CPA and children's services responsibilities.
UPPER_TIER = frozenset({"CTY", "UA", "MD", "LBO", "CC"})
CPA_YEARS = (2005, 2006, 2007, 2008)
APA_YEARS = (2006, 2007, 2008)
USE_OF_RESOURCES = (("2007-08", date(2008, 12, 10)), ("2008-09", date(2009, 12, 9)))
CAA_PUBLISHED = date(2009, 12, 9)
NOTICE_DATES = {"DNC": date(2009, 7, 13), "HRY": date(2009, 3, 2), "STE": date(2009, 9, 21)}

DIRECTIONS = (
    "improving strongly",
    "improving well",
    "improving adequately",
    "not improving adequately",
)
CAA_JUDGEMENTS = {
    1: "performs poorly",
    2: "performs adequately",
    3: "performs well",
    4: "performs excellently",
}
UOR_JUDGEMENTS = {
    1: "below minimum requirements: inadequate performance",
    2: "at minimum requirements: adequate performance",
    3: "consistently above minimum requirements: performing well",
    4: "well above minimum requirements: performing strongly",
}
APA_JUDGEMENTS = {1: "inadequate", 2: "adequate", 3: "good", 4: "outstanding"}


@dataclass(frozen=True, slots=True)
class Council:
    id: int
    code: str  # mySociety code
    gss_code: str
    short_name: str
    type: str
    region: str
    in_difficulty: bool


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9), UTC)


def _jitter(gss_code: str, what: str) -> float:
    rng = random.Random(zlib.crc32(f"{SEED}|{gss_code}|{what}".encode()))  # noqa: S311 - demo data
    return rng.gauss(0.0, 0.35)


def _grade(council: Council, what: str, low: int, high: int, difficulty: int) -> int:
    if council.in_difficulty:
        return difficulty
    middle = (low + high) / 2
    raw = middle + 0.5 + (high - low) / 2 * authority_quality(council.gss_code)
    return int(min(max(round(raw + _jitter(council.gss_code, what)), low), high))


def _row(council: Council, source_id: int, batch_id: int, **fields: Any) -> dict[str, Any]:
    published: date = fields["published_on"]
    return {
        "authority_id": council.id,
        "source_id": source_id,
        "batch_id": batch_id,
        "status": ObservationStatus.FINAL.value,
        "received_at": _at_nine(published),
        "direction_of_travel": None,
        **fields,
    }


def _direction(council: Council, year: int, stars: int, before: int | None) -> str:
    if council.in_difficulty and year >= 2007:
        return DIRECTIONS[3]
    if before is not None and stars > before:
        return DIRECTIONS[0]
    quality = authority_quality(council.gss_code) + _jitter(council.gss_code, f"dot{year}")
    return DIRECTIONS[0 if quality > 0.6 else 1 if quality > -0.2 else 2]


def assessment_rows(
    councils: Iterable[Council], source_ids: dict[str, int], batch_ids: dict[str, int]
) -> list[dict[str, Any]]:
    """Every assessment of every council, as dictionaries for a Core insert."""
    rows: list[dict[str, Any]] = []

    def add(council: Council, source: str, **fields: Any) -> None:
        rows.append(_row(council, source_ids[source], batch_ids[source], **fields))

    for council in councils:
        if council.type in UPPER_TIER:
            before: int | None = None
            for year in CPA_YEARS:
                slip = 1 if year >= 2007 else 2
                stars = _grade(council, f"cpa{year}", 0, 4, slip)
                add(
                    council,
                    "ac-cpa",
                    framework=Framework.CPA.value,
                    period=str(year),
                    score=stars,
                    judgement=f"{stars} star" if stars == 1 else f"{stars} stars",
                    direction_of_travel=_direction(council, year, stars, before),
                    published_on=date(year + 1, 3, 5),
                )
                before = stars
            for year in APA_YEARS:
                grade = _grade(council, f"apa{year}", 1, 4, 2 if year < 2008 else 1)
                add(
                    council,
                    "ofsted-childrens-services",
                    framework=Framework.OFSTED_APA.value,
                    period=str(year),
                    score=grade,
                    judgement=APA_JUDGEMENTS[grade],
                    published_on=date(year, 12, 10),
                )
        caa = _grade(council, "caa2009", 1, 4, 1)
        add(
            council,
            "ac-caa",
            framework=Framework.CAA_ORGANISATIONAL.value,
            period="2009",
            score=caa,
            judgement=CAA_JUDGEMENTS[caa],
            published_on=CAA_PUBLISHED,
        )
        for period, published in USE_OF_RESOURCES:
            score = _grade(council, f"uor{period}", 1, 4, 2 if period == "2007-08" else 1)
            add(
                council,
                "ac-use-of-resources",
                framework=Framework.USE_OF_RESOURCES.value,
                period=period,
                score=score,
                judgement=UOR_JUDGEMENTS[score],
                published_on=published,
            )
    return rows


def flag_rows(
    councils: dict[str, Council],
    source_ids: dict[str, int],
    batch_ids: dict[str, int],
    laa_source_of: dict[str, str],
) -> list[dict[str, Any]]:
    """CAA red and green flags (Audit Commission) and improvement notices (the region's GO)."""

    def flag(plan: FlagPlan, kind: FlagKind, source: str, raised: date) -> dict[str, Any]:
        return {
            "authority_id": councils[plan.authority].id,
            "source_id": source_ids[source],
            "batch_id": batch_ids[source],
            "kind": kind.value,
            "title": plan.title,
            "detail": plan.detail,
            "raised_on": raised,
            "lifted_on": None,
            "status": ObservationStatus.FINAL.value,
            "received_at": _at_nine(raised),
        }

    rows = [flag(p, FlagKind.CAA_RED, "ac-caa", CAA_PUBLISHED) for p in RED_FLAGS]
    rows += [flag(p, FlagKind.CAA_GREEN, "ac-caa", CAA_PUBLISHED) for p in GREEN_FLAGS]
    for plan in IMPROVEMENT_NOTICES:
        source = laa_source_of[councils[plan.authority].region]
        rows.append(flag(plan, FlagKind.IMPROVEMENT_NOTICE, source, NOTICE_DATES[plan.authority]))
    return rows
