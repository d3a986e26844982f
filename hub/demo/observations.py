"""Observation rows: synthetic National Indicator series and the real Oflog ASC values.

Every NI series (one authority, one indicator) is drawn from its own `random.Random`, seeded from
the authority's GSS code and the indicator number, so a run is reproducible and independent of
database ids or load order. The model, in fractions of a unit-dependent spread:

    value(t) = baseline + sign * spread * (drift * t + season[t % 4] + noise(t))
               - good * spread * decline(t)

where `good` is +1 when higher is better, -1 when lower is better, 0 for neutral indicators; the
baseline shifts with a per-authority quality, so an authority is consistently good or weak; and
`decline(t)` is non-zero only for the authorities in difficulty, from 2008-Q2 on, for about four
in five of their indicators. Noise is drawn newest quarter first, so the last eight quarters of the
full scale are exactly the `small` and `tiny` values.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache

from hub.demo.periods import Period, financial_year
from hub.demo.refdata import asc_rows
from hub.models.enums import ObservationStatus, Polarity

SEED = 2009  # the year of "Setting the pace"; change it and every demo value changes
FULL_QUARTERS = 40
DECLINE_FROM = 32  # timeline index of 2008-Q2, the first of the last eight quarters
LAA_FROM = 32  # LAA (2008-11) targets apply from 2008-Q2
LAA_SHARE = 18  # percent of an authority's NI series that carry an LAA target
CHUNK_ROWS = 50_000

Row = tuple[object, ...]
Render = Callable[[object], object]

# Size of a count indicator relative to a unitary council.
_COUNT_SCALE = {"CTY": 5.0, "MD": 3.0, "UA": 2.0, "LBO": 2.0, "CC": 0.1, "NMD": 0.6}
_FINAL = ObservationStatus.FINAL.value
_PROVISIONAL = ObservationStatus.PROVISIONAL.value


@dataclass(frozen=True, slots=True)
class SeriesAuthority:
    id: int
    gss_code: str
    type: str
    in_difficulty: bool


@dataclass(frozen=True, slots=True)
class SeriesIndicator:
    id: int
    number: int
    unit: str
    polarity: Polarity


@dataclass(frozen=True, slots=True)
class QuarterCells:
    """One quarter's constant cells, already rendered for the target database."""

    index: int  # position on the 40-quarter timeline (0 = 2000-Q2)
    label: str
    start: object
    end: object
    status: str
    received_at: object


def received_at(period: Period, days: int = 42) -> datetime:
    """When a quarter's values reached the hub: six weeks after it ended, at 09:00 UTC."""
    return datetime.combine(period.end + timedelta(days=days), time(9), UTC)


def quarter_cells(
    quarters: Sequence[Period], render_date: Render, render_time: Render
) -> list[QuarterCells]:
    """The cells of the last `len(quarters)` quarters of the timeline; the newest is provisional."""
    first = FULL_QUARTERS - len(quarters)
    return [
        QuarterCells(
            index=first + i,
            label=q.label,
            start=render_date(q.start),
            end=render_date(q.end),
            status=_PROVISIONAL if i == len(quarters) - 1 else _FINAL,
            received_at=render_time(received_at(q)),
        )
        for i, q in enumerate(quarters)
    ]


def _good(polarity: Polarity) -> int:
    if polarity is Polarity.HIGHER_IS_BETTER:
        return 1
    return -1 if polarity is Polarity.LOWER_IS_BETTER else 0


@cache
def authority_quality(gss_code: str) -> float:
    """An authority's general standing, -1 (weak) .. 1 (strong), the same for every indicator."""
    rng = random.Random(zlib.crc32(f"{SEED}|{gss_code}".encode()))  # noqa: S311 - demo data
    return rng.uniform(-1.0, 1.0)


def _profile(
    unit: str, good: int, rng: random.Random, kind: str
) -> tuple[float, float, float, int]:
    """(baseline, spread, upper bound, decimals) for a unit; lower bound is always zero."""
    if unit == "percent":
        base = rng.uniform(8.0, 45.0) if good < 0 else rng.uniform(30.0, 85.0)
        return base, 30.0, 100.0, 1
    if unit == "score":
        return rng.uniform(45.0, 80.0), 20.0, 100.0, 1
    if unit == "count":
        base = rng.uniform(40.0, 1200.0) * _COUNT_SCALE.get(kind, 1.0)
        return base, base * 0.6, float("inf"), 0
    base = rng.uniform(4.0, 40.0)  # rate per 1,000
    return base, base * 0.6, float("inf"), 2


def series_rows(
    authority: SeriesAuthority,
    indicator: SeriesIndicator,
    cells: Sequence[QuarterCells],
    source_id: int,
    batch_id: int,
) -> list[Row]:
    """The observations of one authority and indicator, oldest quarter first."""
    key = f"{SEED}|{authority.gss_code}|{indicator.number}".encode()
    seed = zlib.crc32(key)
    rng = random.Random(seed)  # noqa: S311 - reproducible demo values, not secrets
    good = _good(indicator.polarity)
    sign = good or 1
    base, spread, upper, decimals = _profile(indicator.unit, good, rng, authority.type)
    base += good * spread * 0.25 * authority_quality(authority.gss_code)
    drift = rng.uniform(-0.002, 0.008) if good else rng.uniform(-0.004, 0.004)
    amplitude = rng.uniform(0.005, 0.025)
    phase = rng.randrange(4)
    declining = authority.in_difficulty and good != 0 and rng.random() < 0.8
    if declining:
        drift = min(drift, 0.0)
    has_target = good != 0 and (seed >> 8) % 100 < LAA_SHARE
    gauss = rng.gauss
    # Newest first: noise[k] belongs to timeline index FULL_QUARTERS - 1 - k.
    noise = [gauss(0.0, 0.02) for _ in range(FULL_QUARTERS - cells[0].index)]
    season = [amplitude * s for s in (1.0, 0.0, -1.0, 0.0)]

    rows: list[Row] = []
    for cell in cells:
        t = cell.index
        shift = drift * t + season[(t + phase) % 4] + noise[FULL_QUARTERS - 1 - t]
        value = base + sign * spread * shift
        if declining and t >= DECLINE_FROM:
            value -= good * spread * 0.035 * (t - DECLINE_FROM + 1)
        value = round(min(max(value, 0.0), upper), decimals)
        target = None
        if has_target and t >= LAA_FROM:
            aim = base + good * spread * (0.004 * t + 0.04 + 0.01 * (t - LAA_FROM))
            target = round(min(max(aim, 0.0), upper), decimals)
        rows.append(
            (
                authority.id,
                indicator.id,
                source_id,
                cell.label,
                cell.start,
                cell.end,
                value,
                target,
                cell.status,
                batch_id,
                cell.received_at,
            )
        )
    return rows


def ni_chunks(
    authorities: Sequence[SeriesAuthority],
    indicators: Sequence[SeriesIndicator],
    cells: Sequence[QuarterCells],
    source_of: dict[int, tuple[int, int]],
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[list[Row]]:
    """Every NI observation, authority by authority, in lists of about `chunk_rows` rows.

    `source_of` maps an authority id to the (source id, batch id) of its region's GO LAA source.
    """
    chunk: list[Row] = []
    for authority in authorities:
        source_id, batch_id = source_of[authority.id]
        for indicator in indicators:
            chunk += series_rows(authority, indicator, cells, source_id, batch_id)
        if len(chunk) >= chunk_rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def asc_observation_rows(
    authority_ids: dict[str, int],
    indicator_ids: dict[str, int],
    source_id: int,
    batch_id: int,
    render_date: Render,
    render_time: Render,
) -> tuple[list[Row], int]:
    """The real Oflog values as final annual observations, and how many source rows were skipped.

    Skipped: blank values, and the five post-2019 unitaries (BCP, Dorset, Buckinghamshire, North
    and West Northamptonshire) that have no April 2009 authority.
    """
    rows: list[Row] = []
    skipped = 0
    for row in asc_rows():
        authority_id = authority_ids.get(row.gss_code)
        if authority_id is None or row.value is None:
            skipped += 1
            continue
        period = financial_year(row.year)
        arrived = datetime.combine(period.end.replace(month=10, day=31), time(9), UTC)
        rows.append(
            (
                authority_id,
                indicator_ids[row.code],
                source_id,
                period.label,
                render_date(period.start),
                render_date(period.end),
                row.value,
                None,
                _FINAL,
                batch_id,
                render_time(arrived),
            )
        )
    return rows, skipped
