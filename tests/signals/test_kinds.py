"""Each rule kind, through a real ingest on both backends: what raises an alert and what does
not, polarity and ties included."""

from datetime import date, timedelta

from sqlalchemy import select

from hub.db import session_factory, unit_of_work
from hub.models import Authority, Commitment, CommitmentKind
from hub.models.enums import Polarity
from tests.signals.conftest import Hub, alerts_of, ingest, set_polarity

NI = "authority,indicator,period,value,status\n"
CPA = "authority,year,stars,direction_of_travel,published_on\n"
OFSTED = "authority,assessment,year,judgement,published_on\n"
FLAGS = "authority,colour,title,raised_on,lifted_on\n"


def ni(*rows: str) -> str:
    return NI + "".join(f"{row},final\n" for row in rows)


async def push_ni(hub: Hub, *rows: str) -> int:
    return await ingest(hub, "ac", "ac-caa", ni(*rows), "national-indicators")


async def test_cpa_star_fall(hub: Hub) -> None:
    await ingest(
        hub,
        "ac",
        "ac-cpa",
        CPA + "DAL,2007,3,improving well,2007-03-01\nNET,2007,2,improving well,2007-03-01\n",
    )
    assert await alerts_of(hub, "cpa-star-fall") == []  # nothing before to fall from
    batch = await ingest(
        hub,
        "ac",
        "ac-cpa",
        CPA + "DAL,2008,2,improving well,2008-03-01\nNET,2008,2,improving well,2008-03-01\n",
    )  # NET: a tie is no fall
    [alert] = await alerts_of(hub, "cpa-star-fall")
    assert (alert.authority, alert.batch_id, alert.severity, alert.state) == (
        "DAL",
        batch,
        "high",
        "open",
    )
    assert [e["value"] for e in alert.evidence] == [3, 2]
    assert [e["period"] for e in alert.evidence] == ["2007", "2008"]
    assert alert.subject == "cpa"
    assert alert.status == "final"


async def test_direction_of_travel_not_improving_adequately(hub: Hub) -> None:
    await ingest(
        hub,
        "ac",
        "ac-cpa",
        CPA + "DAL,2008,2,not improving adequately,2008-03-01\n"
        "NET,2008,2,improving adequately,2008-03-01\n",
    )
    [alert] = await alerts_of(hub, "cpa-not-improving")
    assert alert.authority == "DAL"
    assert alert.evidence[0]["judgement"] == "not improving adequately"
    assert "not improving adequately" in alert.evidence[0]["text"]


async def test_inadequate_inspection_judgement(hub: Hub) -> None:
    await ingest(
        hub,
        "ofsted",
        "ofsted-childrens-services",
        OFSTED + "DAL,apa,2008,inadequate,2008-12-01\nNET,apa,2008,adequate,2008-12-01\n",
    )
    [alert] = await alerts_of(hub, "inadequate-inspection")
    assert (alert.authority, alert.subject) == ("DAL", "ofsted_apa")
    assert alert.evidence[0]["record_kind"] == "assessment"


async def test_caa_red_flag_and_not_green_or_lifted(hub: Hub) -> None:
    await ingest(
        hub,
        "ac",
        "ac-caa",
        FLAGS + "DAL,red,Children at risk,2009-12-09,\n"
        "NET,green,Innovation,2009-12-09,\n"
        "DUR,red,Lifted at once,2009-12-09,2009-12-10\n",
        "flags",
    )
    [alert] = await alerts_of(hub, "caa-red-flag")
    assert alert.authority == "DAL"
    assert alert.evidence[0]["flag"] == "caa_red"


async def test_improvement_notice(hub: Hub) -> None:
    csv = "authority,title,served_on\nDAL,Children's services,2009-03-01\n"
    await ingest(hub, "gone", "go-north-east-laa", csv, "improvement-notices")
    [alert] = await alerts_of(hub, "improvement-notice")
    assert alert.authority == "DAL"


async def test_an_open_alert_is_not_raised_twice(hub: Hub) -> None:
    csv = FLAGS + "DAL,red,Children at risk,2009-12-09,\n"
    await ingest(hub, "ac", "ac-caa", csv, "flags")
    await ingest(hub, "ac", "ac-caa", csv, "flags")  # sent again (a correction): still one
    assert len(await alerts_of(hub, "caa-red-flag")) == 1


async def test_worsening_three_periods_running_higher_is_better(hub: Hub) -> None:
    await push_ni(
        hub,
        "DAL,NI1,2008-Q1,50",
        "DAL,NI1,2008-Q2,45",
        "DAL,NI1,2008-Q3,40",
        "NET,NI1,2008-Q1,50",
        "NET,NI1,2008-Q2,45",
        "NET,NI1,2008-Q3,45",
    )
    await push_ni(hub, "DAL,NI1,2008-Q4,39", "NET,NI1,2008-Q4,44")  # NET: a tie broke its run
    [alert] = await alerts_of(hub, "indicator-worsening")
    assert (alert.authority, alert.subject) == ("DAL", "NI1")
    assert [e["value"] for e in alert.evidence] == [50, 45, 40, 39]
    assert [e["period"] for e in alert.evidence] == ["2008-Q1", "2008-Q2", "2008-Q3", "2008-Q4"]


async def test_worsening_is_polarity_aware(hub: Hub) -> None:
    await set_polarity(hub, "NI2", Polarity.LOWER_IS_BETTER)
    await set_polarity(hub, "NI3", Polarity.NEUTRAL)
    rising = ("2008-Q1,10", "2008-Q2,11", "2008-Q3,12", "2008-Q4,13")
    await push_ni(
        hub,
        *(f"DAL,NI1,{r}" for r in rising),
        *(f"DAL,NI2,{r}" for r in rising),
        *(f"DAL,NI3,{r}" for r in rising),
    )
    # rising is better for NI1, worse for NI2, neither for the neutral NI3
    assert [a.subject for a in await alerts_of(hub, "indicator-worsening")] == ["NI2"]


async def test_worsening_needs_enough_periods(hub: Hub) -> None:
    await push_ni(hub, "DAL,NI1,2008-Q2,45", "DAL,NI1,2008-Q3,40", "DAL,NI1,2008-Q4,39")
    assert await alerts_of(hub, "indicator-worsening") == []


async def test_a_missing_period_breaks_a_worsening_run(hub: Hub) -> None:
    """DAL has no 2008-Q3 (NET has): its values before the gap do not continue the run."""
    await push_ni(
        hub,
        "DAL,NI1,2007-Q4,55",
        "DAL,NI1,2008-Q1,50",
        "DAL,NI1,2008-Q2,45",
        "NET,NI1,2008-Q3,45",
    )
    await push_ni(hub, "DAL,NI1,2008-Q4,40")
    assert await alerts_of(hub, "indicator-worsening") == []


def _quarter(period: str, values: dict[str, float], indicator: str = "NI1") -> list[str]:
    return [f"{code},{indicator},{period},{value}" for code, value in values.items()]


async def test_bottom_quartile_two_periods_running(hub: Hub) -> None:
    # five authorities: the worst one is in the bottom quartile (cumulative share 1/5)
    await push_ni(
        hub, *_quarter("2008-Q1", {"DAL": 10, "DUR": 20, "NET": 30, "CMD": 40, "LND": 50})
    )
    assert await alerts_of(hub, "bottom-quartile") == []  # one period is not two
    await push_ni(hub, *_quarter("2008-Q2", {"DAL": 11, "DUR": 5, "NET": 30, "CMD": 40, "LND": 50}))
    assert await alerts_of(hub, "bottom-quartile") == []  # DAL climbed out, DUR only now in
    await push_ni(hub, *_quarter("2008-Q3", {"DAL": 12, "DUR": 6, "NET": 30, "CMD": 40, "LND": 50}))
    [alert] = await alerts_of(hub, "bottom-quartile")
    assert (alert.authority, alert.subject) == ("DUR", "NI1")
    assert [e["period"] for e in alert.evidence] == ["2008-Q2", "2008-Q3"]


async def test_bottom_quartile_is_polarity_aware(hub: Hub) -> None:
    await set_polarity(hub, "NI2", Polarity.LOWER_IS_BETTER)
    values = {"DAL": 10, "DUR": 20, "NET": 30, "CMD": 40, "LND": 50}
    await push_ni(hub, *_quarter("2008-Q1", values, "NI2"), *_quarter("2008-Q2", values, "NI2"))
    [alert] = await alerts_of(hub, "bottom-quartile")
    assert alert.authority == "LND"  # the highest value is the worst when lower is better


async def test_bottom_quartile_ties_at_the_boundary_count_for_none(hub: Hub) -> None:
    values = {"DAL": 10, "DUR": 10, "NET": 30, "CMD": 40, "LND": 50}
    await push_ni(hub, *_quarter("2008-Q1", values), *_quarter("2008-Q2", values))
    assert await alerts_of(hub, "bottom-quartile") == []


async def test_a_missing_period_breaks_a_bottom_quartile_run(hub: Hub) -> None:
    """DAL is the worst in 2008-Q1 and 2008-Q3 but reported no 2008-Q2: not two running."""
    others = {"DUR": 20, "NET": 30, "CMD": 40, "LND": 50}
    await push_ni(hub, *_quarter("2008-Q2", others))
    await push_ni(
        hub,
        *_quarter("2008-Q1", {"DAL": 10, **others}),
        *_quarter("2008-Q3", {"DAL": 10, **others}),
    )
    assert await alerts_of(hub, "bottom-quartile") == []


async def test_bottom_quartile_ranks_final_values_once_each(hub: Hub) -> None:
    """The population is one final value per authority: provisional values are not ranked,
    and of two sources' current values the newest received counts, once."""
    await push_ni(hub, *_quarter("2008-Q1", {"DAL": 10, "DUR": 20, "NET": 30, "CMD": 40}))
    await push_ni(hub, "DUR,NI1,2008-Q2,5")  # older: the GO's value below replaces it
    laa = "authority,indicator,period,value,target,status\n"
    laa += "DUR,NI1,2008-Q2,60,,final\nNET,NI1,2008-Q2,1,,provisional\n"
    await ingest(hub, "gone", "go-north-east-laa", laa, "laa-indicators")
    await push_ni(hub, *_quarter("2008-Q2", {"DAL": 10, "CMD": 40, "LND": 50}))
    # ranked: DAL 10, CMD 40, LND 50, DUR 60, so DAL is the worst quarter; counting DUR's
    # older 5 or NET's provisional 1 would lift DAL out of the bottom quartile
    [alert] = await alerts_of(hub, "bottom-quartile")
    assert alert.authority == "DAL"
    text = " ".join(e["text"] for e in alert.evidence)
    assert "in the bottom national quartile" in text
    assert "%" not in text


async def test_overdue_commitments_of_the_authorities_a_batch_touched(hub: Hub) -> None:
    today = date.today()
    async with unit_of_work(session_factory(hub.engine)) as session:
        ids = dict((await session.execute(select(Authority.code, Authority.id))).all())
        for code, kind, days in [
            ("DAL", CommitmentKind.SELF_EVALUATION, 400),
            ("DAL", CommitmentKind.SELF_EVALUATION, 900),  # older: the latest counts
            ("NET", CommitmentKind.SELF_EVALUATION, 200),
            ("NET", CommitmentKind.PEER_CHALLENGE, 5 * 365),
            ("CMD", CommitmentKind.SELF_EVALUATION, 900),  # not in the batch
        ]:
            session.add(
                Commitment(
                    authority_id=ids[code], kind=kind, completed_on=today - timedelta(days=days)
                )
            )
    await push_ni(hub, "DAL,NI1,2008-Q1,50", "NET,NI1,2008-Q1,50", "DUR,NI1,2008-Q1,50")
    [self_evaluation] = await alerts_of(hub, "self-evaluation-overdue")
    assert self_evaluation.authority == "DAL"
    assert self_evaluation.evidence[0]["date"] == (today - timedelta(days=400)).isoformat()
    [peer] = await alerts_of(hub, "peer-challenge-overdue")
    assert peer.authority == "NET"
    assert peer.source_id is None
