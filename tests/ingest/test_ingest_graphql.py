"""The GraphQL way in (submitBatch) and batch read-back, filtered by the policy."""

from typing import Any

from tests.ingest.conftest import Hub

SUBMIT = """
mutation($source: String!, $rows: [JSON!]!, $dataset: String, $key: String) {
  submitBatch(source: $source, rows: $rows, dataset: $dataset, idempotencyKey: $key) {
    replayed
    batch { id source status rowCount created superseded errorCount
            errors { row field value reason } receivedAt completedAt }
  }
}"""
BATCH = "query($id: ID!) { ingestBatch(id: $id) { id status organisation submittedBy errorCount } }"
BATCHES = """query($source: String, $status: BatchStatus) {
  ingestBatches(source: $source, status: $status) { nodes { id source status } }
}"""
ROWS = [
    {"authority": "E06000005", "indicator": "NI1", "period": "2009-Q3", "value": 81.2},
    {"authority": "DUR", "indicator": "NI2", "period": "2009-Q3", "value": 12, "target": 14},
]


async def submit(hub: Hub, who: str, rows: list[dict[str, Any]], **variables: Any) -> Any:
    variables = {"source": "go-north-east-laa", "rows": rows, **variables}
    return await hub.graphql(who, SUBMIT, variables)


async def test_submit_batch_applies_small_batches(hub: Hub) -> None:
    result = await submit(hub, "gone", ROWS, key="q3")
    assert "errors" not in result, result
    answer = result["data"]["submitBatch"]
    assert answer["replayed"] is False
    assert answer["batch"]["status"] == "APPLIED"
    assert (answer["batch"]["rowCount"], answer["batch"]["created"]) == (2, 2)
    assert answer["batch"]["completedAt"] >= answer["batch"]["receivedAt"]

    same_rows_keys_reordered = [dict(reversed(row.items())) for row in ROWS]
    again = await submit(hub, "gone", same_rows_keys_reordered, key="q3")
    assert again["data"]["submitBatch"]["replayed"] is True
    assert again["data"]["submitBatch"]["batch"]["id"] == answer["batch"]["id"]

    conflict = await submit(hub, "gone", ROWS[:1], key="q3")
    assert conflict["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_submit_batch_answers_a_rejection_with_its_problems(hub: Hub) -> None:
    rows = [{**ROWS[0], "value": "high"}, {**ROWS[1], "authority": "E09000007"}]
    batch = (await submit(hub, "gone", rows))["data"]["submitBatch"]["batch"]
    assert batch["status"] == "REJECTED"
    assert [(p["row"], p["field"], p["value"]) for p in batch["errors"]] == [
        (1, "value", "high"),
        (2, "authority", "E09000007"),
    ]


async def test_submit_batch_refuses_what_the_token_may_not_do(hub: Hub) -> None:
    forbidden = await submit(hub, "golondon", ROWS)
    missing = await submit(hub, "gone", ROWS, source="nowhere")
    too_many = await hub.graphql(
        "gone",
        SUBMIT,
        {
            "source": "go-north-east-laa",
            "rows": [ROWS[0]] * (hub.settings.ingest_mutation_max_rows + 1),
        },
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_batches_are_read_back_by_their_organisation_and_the_administrator(hub: Hub) -> None:
    applied = (await submit(hub, "gone", ROWS))["data"]["submitBatch"]["batch"]["id"]
    rejected = (await submit(hub, "gone", [{"authority": "nowhere"}]))["data"]["submitBatch"]
    assert rejected["batch"]["status"] == "REJECTED"
    london = await hub.post(
        "golondon", "go-london-laa", "authority,indicator,period,value\nCMD,NI1,2009-Q3,1\n"
    )
    assert london.status_code == 201

    own = await hub.graphql("gone", BATCH, {"id": applied})
    assert own["data"]["ingestBatch"] == {
        "id": applied,
        "status": "APPLIED",
        "organisation": "go-north-east",
        "submittedBy": "gone",
        "errorCount": 0,
    }
    listed = await hub.graphql("gone", BATCHES, {})
    assert [b["status"] for b in listed["data"]["ingestBatches"]["nodes"]] == [
        "APPLIED",
        "REJECTED",
    ]
    only_rejected = await hub.graphql("gone", BATCHES, {"status": "REJECTED"})
    assert len(only_rejected["data"]["ingestBatches"]["nodes"]) == 1

    other = await hub.graphql("golondon", BATCH, {"id": applied})
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert len((await hub.graphql("golondon", BATCHES, {}))["data"]["ingestBatches"]["nodes"]) == 1
    assert (await hub.graphql("riep", BATCHES, {}))["data"]["ingestBatches"]["nodes"] == []
    everything = await hub.graphql("admin", BATCHES, {})
    assert len(everything["data"]["ingestBatches"]["nodes"]) == 3
    by_source = await hub.graphql("admin", BATCHES, {"source": "go-london-laa"})
    assert [b["source"] for b in by_source["data"]["ingestBatches"]["nodes"]] == ["go-london-laa"]
