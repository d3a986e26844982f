"""Period labels as source systems write them, turned into a canonical label and a date range.

Kinds (a spec field lists the ones it accepts):
  quarter         2008-Q3 or 2008 Q3: calendar quarter (Q3 = July to September)
  financial_year  2008-09 or 2008/09 or 2008/2009: 1 April 2008 to 31 March 2009
  year            2008: the calendar year
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

EARLIEST_YEAR = 1990
LATEST_YEAR = 2100


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    FINANCIAL_YEAR = "financial_year"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date


_QUARTER = re.compile(r"(\d{4})\s*[-/ ]?\s*Q([1-4])", re.IGNORECASE)
_FINANCIAL_YEAR = re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})")
_YEAR = re.compile(r"\d{4}")
_QUARTER_ENDS = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def _check_year(year: int) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")


def _quarter(text: str) -> Period | None:
    match = _QUARTER.fullmatch(text)
    if match is None:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    _check_year(year)
    month, day = _QUARTER_ENDS[quarter]
    return Period(f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), date(year, month, day))


def _financial_year(text: str) -> Period | None:
    match = _FINANCIAL_YEAR.fullmatch(text)
    if match is None:
        return None
    first, second = int(match.group(1)), match.group(2)
    _check_year(first)
    following = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
    if following != first + 1 and not (len(second) == 2 and following + 100 == first + 1):
        raise ValueError(f"{second} does not follow {first}: a financial year is 2008-09")
    return Period(f"{first}-{(first + 1) % 100:02d}", date(first, 4, 1), date(first + 1, 3, 31))


def _year(text: str) -> Period | None:
    if _YEAR.fullmatch(text) is None:
        return None
    year = int(text)
    _check_year(year)
    return Period(str(year), date(year, 1, 1), date(year, 12, 31))


_PARSERS = {
    PeriodKind.QUARTER: _quarter,
    PeriodKind.FINANCIAL_YEAR: _financial_year,
    PeriodKind.YEAR: _year,
}
_EXAMPLES = {
    PeriodKind.QUARTER: "2008-Q3",
    PeriodKind.FINANCIAL_YEAR: "2008-09",
    PeriodKind.YEAR: "2008",
}


def parse_period(text: str, kinds: tuple[PeriodKind, ...]) -> Period:
    """The period `text` names, trying each accepted kind; ValueError says what was expected."""
    text = text.strip()
    for kind in kinds:
        period = _PARSERS[kind](text)
        if period is not None:
            return period
    expected = " or ".join(f"{kind.value.replace('_', ' ')} ({_EXAMPLES[kind]})" for kind in kinds)
    raise ValueError(f"not a period: expected {expected}")
