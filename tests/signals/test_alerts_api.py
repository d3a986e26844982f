"""Alerts over GraphQL on both backends: read by the analysts their evidence is shared with and
(without the analysts' notes) by the authority's own officers, acknowledged and closed by the
analysts who see them, counted in the access log, read without N+1."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Table, Update, false, select, update

from hub.db import session_factory, unit_of_work
from hub.models import AccessRecord, Alert
from hub.models.enums import MutualityState
from hub.query import alerts as alert_queries
from hub.services.agreements import record_mutuality
from hub.signals import raise_alerts, rules
from hub.signals.findings import Scope
from tests.signals.conftest import Hub, alerts_of, ingest
from tests.support import StatementCounter

FLAGS = "authority,colour,title,raised_on\n"
ALERTS = """
query Alerts($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id rule title description severity state raisedAt batchId note stateChangedBy
      authority { code }
      evidence { recordKind recordId period date value judgement flag indicator text }
    }
  }
}
"""
ONE = "query One($id: ID!) { alert(id: $id) { id rule authority { code } } }"
ACK = """mutation Ack($id: ID!, $note: String) {
  acknowledgeAlert(id: $id, note: $note) { id state note stateChangedBy stateChangedAt } }"""
CLOSE = """mutation Close($id: ID!, $note: String!) {
  closeAlert(id: $id, note: $note) { id state note stateChangedBy } }"""


async def gql(hub: Hub, who: str, query: str, **variables: Any) -> dict[str, Any]:
    return await hub.graphql(who, query, variables)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def red_flags(hub: Hub, *authorities: str, title: str = "Children at risk") -> int:
    csv = FLAGS + "".join(f"{a},red,{title},2009-12-09\n" for a in authorities)
    return await ingest(hub, "ac", "ac-caa", csv, "flags")


CODES = """query Codes($filter: AlertFilter) {
  alerts(filter: $filter) { nodes { authority { code } } } }"""


async def seen(hub: Hub, who: str, **filter: Any) -> list[str]:
    body = await gql(hub, who, CODES, filter=filter or None)
    assert "errors" not in body, body
    return [n["authority"]["code"] for n in body["data"]["alerts"]["nodes"]]


async def test_an_alert_is_visible_exactly_when_its_evidence_is(early: Hub) -> None:
    batch = await red_flags(early, "DAL", "CMD", "DUR", "NET")
    assert len(await alerts_of(early, "caa-red-flag")) == 4
    assert await seen(early, "riep") == ["DAL"]  # DUR shares only CPA; NET has no agreement
    assert await seen(early, "riep_london") == ["CMD"]
    assert sorted(await seen(early, "idea")) == ["CMD", "DAL"]
    assert await seen(early, "dal_officer") == ["DAL"]  # its own, whatever it shares
    assert await seen(early, "admin") == []
    assert await seen(early, "ac") == []  # the submitter of the flags: alerts are not records
    body = await gql(early, "riep", ALERTS)
    [node] = body["data"]["alerts"]["nodes"]
    assert (node["rule"], node["severity"], node["state"]) == ("caa-red-flag", "HIGH", "OPEN")
    assert node["batchId"] == str(batch)
    [evidence] = node["evidence"]
    assert (evidence["recordKind"], evidence["flag"], evidence["date"]) == (
        "flag",
        "caa_red",
        "2009-12-09",
    )
    assert "Children at risk" in evidence["text"]


async def test_who_reads_which_fields_of_an_alert(early: Hub) -> None:
    """Analysts read an alert shared with them whole; the authority's own officers read it
    without the analysts' note and name; submitters and the administrator do not read it."""
    await red_flags(early, "DAL")
    [alert] = await alerts_of(early)
    await gql(early, "riep", ACK, id=str(alert.id), note="Called the chief executive")
    for analyst in ("riep", "idea"):
        body = await gql(early, analyst, ALERTS)
        assert "errors" not in body, body
        [node] = body["data"]["alerts"]["nodes"]
        assert (node["note"], node["stateChangedBy"]) == ("Called the chief executive", "riep")
    body = await gql(early, "dal_officer", ALERTS)
    [node] = body["data"]["alerts"]["nodes"]
    assert (node["authority"]["code"], node["state"]) == ("DAL", "ACKNOWLEDGED")
    assert (node["note"], node["stateChangedBy"]) == (None, None)
    hidden = sorted(
        (e["extensions"]["code"], e["extensions"]["field"]) for e in body.get("errors", [])
    )
    assert hidden == [("FORBIDDEN", "note"), ("FORBIDDEN", "stateChangedBy")]
    for nobody in ("ac", "gone", "admin", "riep_london"):  # "ac" submitted the flag
        assert await seen(early, nobody) == [], nobody
        assert codes(await gql(early, nobody, ONE, id=str(alert.id))) == ["NOT_FOUND"]


async def test_a_change_that_lost_a_race_is_refused(
    early: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the check and the update another change landed (here: the update finds no
    row in the state checked): the caller is told to reload, and nothing is changed."""
    await red_flags(early, "DAL")
    [alert] = await alerts_of(early)

    def overtaken(table: Table) -> Update:
        return update(table).where(false())

    monkeypatch.setattr(alert_queries, "update", overtaken)
    body = await gql(early, "riep", ACK, id=str(alert.id), note="mine")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "changed meanwhile" in body["errors"][0]["message"]
    [unchanged] = await alerts_of(early)
    assert (unchanged.state, unchanged.note) == ("open", None)


async def test_a_hidden_alert_is_not_found(early: Hub) -> None:
    await red_flags(early, "DAL", "CMD")
    ids = {a.authority: str(a.id) for a in await alerts_of(early)}
    assert (await gql(early, "riep", ONE, id=ids["DAL"]))["data"]["alert"]["rule"]
    for bad in (ids["CMD"], "999999", "x"):
        assert codes(await gql(early, "riep", ONE, id=bad)) == ["NOT_FOUND"]
        assert codes(await gql(early, "riep", ACK, id=bad)) == ["NOT_FOUND"]


async def test_filters(early: Hub) -> None:
    await red_flags(early, "DAL", "CMD")
    assert await seen(early, "idea", region="E12000007") == ["CMD"]
    assert await seen(early, "idea", authorities=["E06000005"]) == ["DAL"]
    assert await seen(early, "idea", states=["CLOSED"]) == []
    assert await seen(early, "idea", severities=["LOW"]) == []
    assert sorted(await seen(early, "idea", severities=["HIGH"], states=["OPEN"])) == [
        "CMD",
        "DAL",
    ]


async def test_acknowledge_then_close_with_a_note(early: Hub) -> None:
    await red_flags(early, "DAL")
    [alert] = await alerts_of(early)
    id_ = str(alert.id)
    body = await gql(early, "riep", ACK, id=id_, note="Called the chief executive")
    assert body["data"]["acknowledgeAlert"]["state"] == "ACKNOWLEDGED", body
    assert body["data"]["acknowledgeAlert"]["stateChangedBy"] == "riep"
    assert codes(await gql(early, "riep", ACK, id=id_)) == ["BAD_USER_INPUT"]
    assert codes(await gql(early, "riep", CLOSE, id=id_, note="  ")) == ["BAD_USER_INPUT"]
    closed = (await gql(early, "idea", CLOSE, id=id_, note="Support plan agreed"))["data"]
    assert closed["closeAlert"] == {
        "id": id_,
        "state": "CLOSED",
        "note": "Support plan agreed",
        "stateChangedBy": "idea",
    }
    assert codes(await gql(early, "riep", CLOSE, id=id_, note="again")) == ["BAD_USER_INPUT"]


async def test_who_may_not_change_an_alert(early: Hub) -> None:
    await red_flags(early, "DAL")
    [alert] = await alerts_of(early)
    # the authority's officer sees its alert but does not follow it up
    assert codes(await gql(early, "dal_officer", ACK, id=str(alert.id))) == ["FORBIDDEN"]
    # the London RIEP does not even see it
    assert codes(await gql(early, "riep_london", ACK, id=str(alert.id))) == ["NOT_FOUND"]
    [unchanged] = await alerts_of(early)
    assert unchanged.state == "open"


async def test_a_closed_alert_lets_the_next_occurrence_raise_a_new_one(early: Hub) -> None:
    await red_flags(early, "DAL")
    await red_flags(early, "DAL")  # still open: no second alert
    [alert] = await alerts_of(early)
    await gql(early, "riep", CLOSE, id=str(alert.id), note="Dealt with")
    await red_flags(early, "DAL")
    assert [a.state for a in await alerts_of(early)] == ["closed", "open"]


async def test_a_withdrawn_mutuality_statement_raises_an_alert(early: Hub) -> None:
    async with unit_of_work(session_factory(early.engine)) as session:
        await record_mutuality(
            session, authority="DAL", state=MutualityState.SIGNED, signed_on=date(2009, 4, 1)
        )
    assert await alerts_of(early) == []
    async with unit_of_work(session_factory(early.engine)) as session:
        await record_mutuality(
            session,
            authority="DAL",
            state=MutualityState.WITHDRAWN,
            signed_on=date(2009, 4, 1),
            withdrawn_on=date(2010, 1, 5),
        )
    [alert] = await alerts_of(early, "mutuality-withdrawn")
    assert (alert.source_id, alert.batch_id) == (None, None)
    assert await seen(early, "riep") == ["DAL"]  # any agreement in force shares it
    assert await seen(early, "riep_london") == []


async def test_listing_is_recorded_in_the_access_log(early: Hub) -> None:
    await red_flags(early, "DAL", "CMD")
    await seen(early, "riep")
    async with early.engine.connect() as connection:
        touched = await connection.scalar(
            select(AccessRecord.touched).order_by(AccessRecord.id.desc()).limit(1)
        )
    assert touched is not None
    [touch] = touched
    assert (touch["kind"], touch["rows"]) == ("Alert", 1)
    assert touch["agreement_version_id"] is not None


async def test_evaluation_is_a_fixed_number_of_statements(early: Hub) -> None:
    """One statement per rule that applies, one insert (and one NOTIFY on PostgreSQL) per
    chunk of findings (tests/signals/test_bounded.py), one planner setting on PostgreSQL:
    whatever the batch's size."""
    periods = [f"2008-Q{q}" for q in range(1, 5)]
    small = "".join(f"DAL,NI1,{p},{50 - i}\n" for i, p in enumerate(periods))
    big = "".join(
        f"{a},NI{n},{p},{50 - i}\n"
        for a in ("DAL", "DUR", "NET", "CMD", "LND")
        for n in range(2, 11)
        for i, p in enumerate(periods)
    )
    header = "authority,indicator,period,value\n"
    counts = []
    for csv in (small, big):
        batch = await ingest(early, "ac", "ac-caa", header + csv, "national-indicators")
        async with early.engine.connect() as connection:
            await connection.execute(Alert.__table__.delete())
            await connection.commit()
        counter = StatementCounter(early.engine)
        async with unit_of_work(session_factory(early.engine)) as session:
            with counter.counting():
                raised = await raise_alerts(session, Scope(date(2010, 1, 1), batch_id=batch))
        assert raised  # every series worsened in each period
        counts.append(counter.count)
    extra = 3 if early.engine.dialect.name == "postgresql" else 1
    assert counts[0] == counts[1] <= len(rules()) + extra
