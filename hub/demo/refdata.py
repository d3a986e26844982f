"""Read the real reference lists shipped in `hub/reference/` (see its README for sources).

The files are package data, read with importlib.resources so an installed wheel works too. The
caveats of the source are applied here, once: a district's county comes from `county-la-by-snac`
(the source's `county-la` puts Forest Heath in Surrey) and the region from `region-filled`
(`region` is blank for 15 authorities abolished after 2018).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

AUTHORITIES_FILE = "england_local_authorities_2009.csv"
REGIONS_FILE = "ons_english_regions.csv"
ASC_FILE = "oflog_adult_social_care_measures.csv"


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str  # E12000001..9
    name: str


@dataclass(frozen=True, slots=True)
class AuthorityRow:
    gss_code: str
    code: str  # mySociety three-letter code
    snac: str
    name: str  # official name
    short_name: str  # nice name
    type: str  # CTY, NMD, UA, MD, LBO, CC
    region: str  # region name, as in RegionRow.name
    county_code: str | None  # a district's county (mySociety code), from the SNAC prefix


@dataclass(frozen=True, slots=True)
class AscRow:
    """One Oflog adult social care value: an authority, a measure, a financial year."""

    year: str  # 2015-16
    gss_code: str
    code: str  # ASC1..ASC7
    measure: str
    value: float | None
    rank_order: str  # desc, DESC, None or blank, as in the source


def read_rows(name: str) -> list[dict[str, str]]:
    """The rows of one packaged CSV file as dictionaries keyed by its header."""
    text = files("hub").joinpath("reference", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def regions() -> tuple[RegionRow, ...]:
    return tuple(
        RegionRow(code=r["region-gss-code"], name=r["region-name"]) for r in read_rows(REGIONS_FILE)
    )


@cache
def authorities() -> tuple[AuthorityRow, ...]:
    """The 353 councils of April 2009, in the file's order."""
    rows = []
    for r in read_rows(AUTHORITIES_FILE):
        district = r["local-authority-type"] == "NMD"
        rows.append(
            AuthorityRow(
                gss_code=r["gss-code"],
                code=r["local-authority-code"],
                snac=r["snac"],
                name=r["official-name"],
                short_name=r["nice-name"],
                type=r["local-authority-type"],
                region=r["region-filled"],
                county_code=(r["county-la-by-snac"] or None) if district else None,
            )
        )
    return tuple(rows)


@cache
def asc_rows() -> tuple[AscRow, ...]:
    """Every row of the Oflog file, blank values as None (the loader skips them)."""
    return tuple(
        AscRow(
            year=r["Financial year"],
            gss_code=r["Local authority code"],
            code=r["Code"],
            measure=r["Measure"],
            value=float(r["Value"]) if r["Value"].strip() else None,
            rank_order=r["rank_order"],
        )
        for r in read_rows(ASC_FILE)
    )
