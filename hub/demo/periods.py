"""Reporting periods of the demo: calendar quarters and financial years.

Quarters are labelled by calendar year and quarter (`2008-Q3` is July to September 2008), so labels
sort in time order; the 40 demo quarters 2000-Q2 .. 2010-Q1 are exactly the financial years
2000-01 .. 2009-10. Oflog's annual figures keep their financial-year labels (`2015-16`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# The demo's "today": data up to 2010-Q1 has been received; agreements date from 2008-2010.
LAST_QUARTER = (2010, 1)


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: date
    end: date


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return Period(f"{year}-Q{number}", start, following - timedelta(days=1))


def quarters_ending(year: int, number: int, count: int) -> list[Period]:
    """`count` consecutive quarters, oldest first, the last being `year`-Q`number`."""
    index = year * 4 + number - 1
    return [quarter(i // 4, i % 4 + 1) for i in range(index - count + 1, index + 1)]


def demo_quarters(count: int) -> list[Period]:
    return quarters_ending(*LAST_QUARTER, count)


def financial_year(label: str) -> Period:
    """`2015-16` -> 1 April 2015 to 31 March 2016."""
    first = int(label[:4])
    return Period(label, date(first, 4, 1), date(first + 1, 3, 31))
