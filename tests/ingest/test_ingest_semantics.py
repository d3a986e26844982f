"""The ingest semantics, over HTTP on both backends: who may submit, all or nothing,
exactly-once retries, corrections that keep history, final over provisional, provenance."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hub.app import create_app
from hub.models import AccessRecord, IngestBatch, Observation, Principal, Source
from hub.query.performance import OBSERVATION, current_as_of
from tests.ingest.conftest import Hub

LAA = "go-north-east-laa"
HEADER = "authority,indicator,period,value,target,status\n"


def laa(*rows: str) -> str:
    return HEADER + "".join(f"{row}\n" for row in rows)


async def observations(hub: Hub, *conditions: Any) -> list[Any]:
    async with hub.engine.connect() as connection:
        stmt = select(Observation.__table__).where(*conditions).order_by(Observation.id)
        return list((await connection.execute(stmt)).all())


async def test_source_and_submitter_come_from_the_token(hub: Hub) -> None:
    response = await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,81.2,85,provisional"))
    assert response.status_code == 201, response.text
    batch = response.json()["batch"]
    assert (batch["source"], batch["organisation"], batch["submittedBy"]) == (
        LAA,
        "go-north-east",
        "gone",
    )
    async with hub.engine.connect() as connection:
        stored = (
            await connection.execute(
                select(IngestBatch.id, IngestBatch.source_id, IngestBatch.received_at)
                .add_columns(Source.code, Principal.name)
                .join(Source, Source.id == IngestBatch.source_id)
                .join(Principal, Principal.id == IngestBatch.principal_id)
            )
        ).one()
    [row] = await observations(hub)
    assert (row.batch_id, row.source_id) == (stored.id, stored.source_id)
    assert row.received_at == stored.received_at
    assert (stored.code, stored.name) == (LAA, "gone")


async def test_the_payload_cannot_name_a_source_or_submitter(hub: Hub) -> None:
    rows = (
        '[{"authority": "DAL", "indicator": "NI1", "period": "2009-Q3", "value": 1, '
        '"source": "ac-cpa", "organisation": "cqc"}]'
    )
    response = await hub.post("gone", LAA, rows, "application/json")
    assert response.status_code == 400
    fields = {p["field"] for p in response.json()["batch"]["errors"]}
    assert fields == {"source", "organisation"}


async def test_refusals_answer_with_their_http_status(hub: Hub) -> None:
    body = laa("E06000005,NI1,2009-Q3,81.2,85,provisional")
    async with hub.client() as anonymous:
        assert (await anonymous.post(f"/ingest/{LAA}", content=body)).status_code == 401
    assert (await hub.post("golondon", LAA, body)).status_code == 403
    assert (await hub.post("riep", LAA, body)).status_code == 403
    assert (await hub.post("gone", "go-nowhere-laa", body)).status_code == 404
    assert (await hub.post("ac", "no-adapter", body)).status_code == 404
    assert (await hub.post("gone", LAA, body, "text/plain")).status_code == 415
    assert (await hub.post("gone", LAA, body, "text/csv; charset=latin-1")).status_code == 415
    unknown = await hub.post("gone", LAA, body, dataset="cpa")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await observations(hub) == []


async def test_a_body_over_the_limit_is_refused(hub: Hub) -> None:
    small = hub.settings.model_copy(update={"ingest_max_body_bytes": 100})
    app = create_app(small)
    body = laa(*[f"E06000005,NI{n},2009-Q3,1,,provisional" for n in range(1, 8)])

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: caught while reading
        yield body.encode()

    headers = {"Authorization": f"Bearer {hub.tokens['gone']}", "Content-Type": "text/csv"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        declared = await client.post(f"/ingest/{LAA}", content=body, headers=headers)
        chunked = await client.post(f"/ingest/{LAA}", content=streamed(), headers=headers)
    await app.state.engine.dispose()
    assert declared.status_code == chunked.status_code == 413
    assert chunked.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await observations(hub) == []


async def test_a_retry_with_the_same_key_is_applied_once(hub: Hub) -> None:
    body = laa("E06000005,NI1,2009-Q3,81.2,85,provisional", "E06000047,NI1,2009-Q3,70,,final")
    first = await hub.post("gone", LAA, body, key="gone-2009-q3")
    again = await hub.post("gone", LAA, body, key="gone-2009-q3")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["batch"] == first.json()["batch"]
    assert len(await observations(hub)) == 2


async def test_the_same_key_with_another_payload_is_a_conflict(hub: Hub) -> None:
    body = laa("E06000005,NI1,2009-Q3,81.2,85,provisional")
    assert (await hub.post("gone", LAA, body, key="k")).status_code == 201
    changed = await hub.post("gone", LAA, body.replace("81.2", "82"), key="k")
    other_dataset = await hub.post("gone", LAA, body, key="k", dataset="improvement-notices")

    assert changed.status_code == other_dataset.status_code == 409
    assert changed.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "different payload" in changed.json()["errors"][0]["message"]
    [row] = await observations(hub)
    assert row.value == 81.2
    # Keys belong to an organisation: another may use the same one.
    london = await hub.post(
        "golondon", "go-london-laa", body.replace("E06000005", "E09000007"), key="k"
    )
    assert london.status_code == 201


async def test_a_rejected_batch_keeps_its_key_and_answers_again(hub: Hub) -> None:
    body = laa("E06000005,NI1,2009-Q3,lots,85,provisional")
    first = await hub.post("gone", LAA, body, key="bad")
    again = await hub.post("gone", LAA, body, key="bad")
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.json()["replayed"] is True
    assert again.json()["batch"]["id"] == first.json()["batch"]["id"]


async def test_concurrent_retries_apply_once(hub: Hub) -> None:
    body = laa(*[f"E06000005,NI{n},2009-Q3,{n},,provisional" for n in range(1, 11)])
    answers = await asyncio.gather(*(hub.post("gone", LAA, body, key="race") for _ in range(3)))

    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    assert len({a.json()["batch"]["id"] for a in answers}) == 1
    assert len(await observations(hub)) == 10


async def test_a_correction_supersedes_and_keeps_history(hub: Hub) -> None:
    first = await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,81.2,85,provisional"))
    second = await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,79.9,85,final"))
    assert second.status_code == 201, second.text
    assert (second.json()["batch"]["created"], second.json()["batch"]["superseded"]) == (0, 1)

    old, new = await observations(hub)
    assert (old.value, new.value) == (81.2, 79.9)
    assert new.supersedes_id == old.id
    assert old.superseded_at == new.received_at
    assert new.superseded_at is None
    assert (old.batch_id, new.batch_id) == (
        first.json()["batch"]["id"],
        second.json()["batch"]["id"],
    )

    between = old.received_at + (new.received_at - old.received_at) / 2
    before = old.received_at - timedelta(seconds=1)
    assert [r.value for r in await observations(hub, *current_as_of(OBSERVATION, None))] == [79.9]
    assert [r.value for r in await observations(hub, *current_as_of(OBSERVATION, between))] == [
        81.2
    ]
    assert [
        r.value for r in await observations(hub, *current_as_of(OBSERVATION, new.received_at))
    ] == [79.9]
    assert await observations(hub, *current_as_of(OBSERVATION, before)) == []


async def test_observations_can_be_asked_as_of_a_moment(hub: Hub) -> None:
    query = """query($f: ObservationFilter!) { observations(filter: $f) { nodes { value } } }"""
    result = await hub.graphql("admin", query, {"f": {"asOf": "2009-10-01T00:00:00"}})
    assert "errors" not in result, result


async def test_a_final_value_is_never_replaced_by_a_provisional_one(hub: Hub) -> None:
    assert (
        await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,81.2,85,final"))
    ).status_code == 201

    downgrade = await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,80,85,provisional"))
    assert downgrade.status_code == 400
    [problem] = downgrade.json()["batch"]["errors"]
    assert problem["row"] == 1
    assert "a final value is stored" in problem["reason"]

    correction = await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,80,85,final"))
    assert correction.status_code == 201
    assert [
        (r.value, r.status) for r in await observations(hub, Observation.superseded_at.is_(None))
    ] == [(80.0, "final")]


async def test_a_batch_is_all_or_nothing_across_chunks(hub: Hub) -> None:
    assert hub.settings.ingest_chunk_rows == 100
    await hub.post("gone", LAA, laa("E06000005,NI1,2009-Q3,1,,provisional"))
    rows = [
        f"{a},NI{n},2009-Q{q},{n},,provisional"
        for a in ("DAL", "DUR", "NET")
        for n in range(1, 11)
        for q in range(1, 5)
    ]
    rows[2] = "DAL,NI1,2009-Q3,2,,provisional"  # a correction of the stored value ...
    rows.append("DAL,NI99,2009-Q3,1,,provisional")  # ... in a batch that fails on its last row

    response = await hub.post("gone", LAA, laa(*rows))

    assert response.status_code == 400
    assert [(p["row"], p["field"]) for p in response.json()["batch"]["errors"]] == [
        (121, "indicator")
    ]
    [kept] = await observations(hub)
    assert (kept.value, kept.superseded_at) == (1.0, None)


async def test_a_repeated_row_is_found_in_another_chunk(hub: Hub) -> None:
    rows = [
        f"{a},NI{n},2009-Q{q},{n},,provisional"
        for a in ("DAL", "DUR", "NET")
        for n in range(1, 11)
        for q in range(1, 5)
    ]
    rows.append(rows[5])
    response = await hub.post("gone", LAA, laa(*rows))
    assert response.status_code == 400
    [problem] = response.json()["batch"]["errors"]
    assert problem["row"] == 121
    assert "repeats an earlier row of this batch" in problem["reason"]


async def test_bodies_are_read_as_they_stream(hub: Hub) -> None:
    """Records split across network chunks anywhere: inside a quoted value, a byte-order mark,
    a character of several bytes."""
    csv = (
        "\ufeffauthority,colour,title,detail,raised_on,lifted_on,status\n"
        'E08000021,red,Safeguarding,"line one\nline, two ""quoted""",2009-12-09,,final\n'
        "E09000007,green,Worklessness,,2009-12-09,,final\n"
    )
    json_rows = (
        '[{"authority": "DAL", "indicator": "NI1", "period": "2009-Q3", "value": 1.5e1},\n'
        ' {"authority": "DUR", "indicator": "NI2", "period": "2009-Q3", "value": -0}]'
    )

    def trickle(text: str) -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            data = text.encode()
            for i in range(0, len(data), 2):
                yield data[i : i + 2]

        return chunks()

    headers = {"Authorization": f"Bearer {hub.tokens['ac']}", "Content-Type": "text/csv"}
    async with hub.client() as client:
        flags = await client.post(
            "/ingest/ac-caa?dataset=flags", content=trickle(csv), headers=headers
        )
    go = {"Authorization": f"Bearer {hub.tokens['gone']}", "Content-Type": "application/json"}
    async with hub.client() as client:
        values = await client.post(f"/ingest/{LAA}", content=trickle(json_rows), headers=go)
    assert flags.status_code == values.status_code == 201, (flags.text, values.text)
    assert [r.value for r in await observations(hub)] == [15.0, 0.0]


async def test_a_flag_is_lifted_by_a_later_row(hub: Hub) -> None:
    csv = "authority,colour,title,raised_on,lifted_on\nE08000021,red,Safeguarding,2009-12-09,{}\n"
    assert (await hub.post("ac", "ac-caa", csv.format(""), dataset="flags")).status_code == 201
    lifted = await hub.post("ac", "ac-caa", csv.format("2010-06-01"), dataset="flags")
    assert lifted.json()["batch"]["superseded"] == 1


async def test_an_assessment_is_corrected_by_a_later_row(hub: Hub) -> None:
    csv = "authority,year,stars,published_on\nE06000005,2008,{},2009-02-05\n"
    assert (await hub.post("ac", "ac-cpa", csv.format(2))).status_code == 201
    corrected = await hub.post("ac", "ac-cpa", csv.format("3 stars"))
    assert corrected.status_code == 201, corrected.text
    assert (corrected.json()["batch"]["created"], corrected.json()["batch"]["superseded"]) == (0, 1)


async def test_the_access_record_names_what_a_batch_wrote(hub: Hub) -> None:
    rows = laa("E06000005,NI1,2009-Q3,81.2,85,provisional", "E06000005,NI2,2009-Q3,12,,final")
    response = await hub.post("gone", LAA, rows)
    assert response.status_code == 201, response.text
    async with hub.engine.connect() as connection:
        record = (
            await connection.execute(
                select(AccessRecord.operation_type, AccessRecord.touched)
                .order_by(AccessRecord.id.desc())
                .limit(1)
            )
        ).one()
    assert record.operation_type == "ingest"
    assert [(t["kind"], t["rows"]) for t in record.touched] == [("Observation", 2)]
