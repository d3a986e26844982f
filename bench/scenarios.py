"""The named scenarios of bench/suite.py: the hub's GraphQL request, the floor's variables and
the peer's request (PostGraphile v5, where it answers the same question), for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

REGION = "E12000005"  # West Midlands: every authority there shares everything with its RIEP
PERIODS = {"from": "2008-04-01", "to": "2010-01-01"}  # the latest eight quarters
INDICATORS = [f"NI{n}" for n in range(1, 11)]


@dataclass(frozen=True)
class Scenario:
    name: str
    who: str  # the token: riep, idea or auditor
    query: str
    variables: dict[str, Any]
    peer_query: str | None = None
    peer_variables: dict[str, Any] | None = None


PANEL = """query Panel($region: String!, $indicators: [String!], $from: Date, $to: Date) {
  region(code: $region) { authorities { gssCode
    observations(indicators: $indicators, periodFrom: $from, periodTo: $to, first: 200) {
      nodes { period value status indicator { code } } } } } }"""

PANEL_SERIES = """query PanelSeries($region: String!, $indicators: [String!], $from: Date,
  $to: Date) { region(code: $region) { authorities { gssCode
    series(indicators: $indicators, periodFrom: $from, periodTo: $to) {
      indicator { code } periods values statuses } } } }"""

PEER_PANEL = """query Panel($region: String!, $codes: [String], $from: Date, $to: Date) {
  allRegions(condition: {code: $region}) { nodes { authoritiesByRegionId { nodes { gssCode
    panel(codes: $codes, periodFrom: $from, periodTo: $to) {
      nodes { period value status indicatorByIndicatorId { code } } } } } } } }"""

OVERVIEW = """query Overview($region: String!) { region(code: $region) { authorities {
  gssCode name assessments { framework score judgement period } } } }"""

PROFILE = """query Profile($code: String!, $from: Date, $to: Date) { authority(code: $code) {
  name series(periodFrom: $from, periodTo: $to) {
    indicator { code } periods values statuses } } }"""

NATIONAL = """query National($indicator: String!, $period: String!, $start: Date) {
  observations(filter: {indicators: [$indicator], periodFrom: $start, periodTo: $start},
               first: 400) { nodes { authority { gssCode } value } }
  indicatorSummary(indicator: $indicator, period: $period) {
    count lowerQuartile median upperQuartile } }"""

TRACES = """query Traces($since: DateTime!, $until: DateTime!) {
  accessRecords(filter: {since: $since, until: $until}, first: 500) {
    nodes { id at role purpose operationName outcome touched { kind authority rows } } } }"""


def scenarios() -> list[Scenario]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = {"since": today.isoformat(), "until": (today + timedelta(days=1)).isoformat()}
    panel = {"region": REGION, "indicators": INDICATORS, **PERIODS}
    peer = {"region": REGION, "codes": INDICATORS, **PERIODS}
    return [
        Scenario("overview", "riep", OVERVIEW, {"region": REGION}),
        Scenario("panel", "riep", PANEL, panel, PEER_PANEL, peer),
        Scenario("panel_series", "riep", PANEL_SERIES, panel, PEER_PANEL, peer),
        Scenario("profile", "riep", PROFILE, {"code": "BIR", **PERIODS}),
        Scenario(
            "national",
            "idea",
            NATIONAL,
            {"indicator": "NI192", "period": "2009-Q3", "start": "2009-07-01"},
        ),
        Scenario("traces", "auditor", TRACES, {**day, "first": 500}),
    ]


def floor_variables(s: Scenario) -> dict[str, Any]:
    return s.variables


def hub_variables(s: Scenario) -> dict[str, Any]:
    return {k: v for k, v in s.variables.items() if not (s.name == "traces" and k == "first")}
