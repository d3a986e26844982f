"""Every sample under samples/ pushed over HTTP: the good ones apply, the bad ones are rejected
with the problems a submitter needs to fix them, and store nothing."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.models import Assessment, Flag, IngestBatch, Observation
from tests.ingest.conftest import Hub

SAMPLES = Path(__file__).parent / "samples"
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json", ".ndjson": "application/x-ndjson"}
SUBMITTERS = {"ac": "ac-", "ofsted": "ofsted-", "cqc": "cqc-", "gone": "go-north-east-"}
GOOD = sorted(p for p in SAMPLES.iterdir() if p.name.startswith(("ac-", "ofsted-", "cqc-", "go-")))


def _who(source: str) -> str:
    return next(who for who, prefix in SUBMITTERS.items() if source.startswith(prefix))


async def _stored(hub: Hub) -> int:
    async with hub.engine.connect() as connection:
        total = 0
        for model in (Observation, Assessment, Flag):
            total += (
                await connection.execute(select(func.count()).select_from(model))
            ).scalar_one()
        return total


async def _post_sample(hub: Hub, name: str, source: str, dataset: str | None) -> Any:
    path = SAMPLES / name
    params = {"dataset": dataset} if dataset else {}
    return await hub.post(
        _who(source), source, path.read_bytes(), CONTENT_TYPES[path.suffix], **params
    )


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
async def test_good_samples_apply(hub: Hub, path: Path) -> None:
    source, dataset, _ = path.name.split(".")
    response = await _post_sample(hub, path.name, source, dataset)

    assert response.status_code == 201, response.text
    batch = response.json()["batch"]
    assert batch["status"] == "applied"
    assert batch["errors"] == []
    assert batch["created"] == batch["rowCount"] > 0
    assert await _stored(hub) == batch["rowCount"]


LAA = ("go-north-east-laa", None)
BAD = [
    # sample, (source, dataset), [(row, field, words in the reason)]
    ("utf16.csv", LAA, [(None, None, "UTF-16")]),
    (
        "wrong-encoding.improvement-notices.csv",
        ("go-north-east-laa", "improvement-notices"),
        [(1, "detail", "not valid UTF-8")],
    ),
    ("missing-column.csv", LAA, [(None, "value", "required column is missing")]),
    ("extra-column.csv", LAA, [(None, "comment", "unexpected column")]),
    (
        "unknown-authority.csv",
        LAA,
        [(2, "authority", "not a known authority"), (3, "authority", "not a known authority")],
    ),
    ("duplicate-rows.csv", LAA, [(3, "authority, indicator, period", "repeats row 1")]),
    (
        "out-of-range.measures.csv",
        ("cqc-adult-social-care", "measures"),
        [
            (1, "value", "below the minimum 0"),
            (2, "value", "not a finite number"),
            (3, "measure", "not an indicator code this dataset accepts"),
            (4, "year", "does not follow 2016"),
        ],
    ),
    (
        "out-of-range.cpa.csv",
        ("ac-cpa", "cpa"),
        [
            (1, "stars", "above the maximum 4"),
            (2, "year", "outside 1990-2100"),
            (2, "published_on", "not a date"),
            (2, "status", "not a status"),
        ],
    ),
    ("truncated.csv", LAA, [(2, None, "truncated")]),
    ("truncated.json", LAA, [(2, None, "invalid JSON in row 2")]),
    ("short-row.csv", LAA, [(2, None, "has 3 values; the header has 6 columns")]),
    ("not-an-array.json", LAA, [(None, None, "array of objects")]),
    ("empty.csv", LAA, [(None, None, "empty")]),
    ("outside-region.csv", LAA, [(1, "authority", "may not submit data about this authority")]),
]


@pytest.mark.parametrize(("name", "target", "expected"), BAD, ids=[b[0] for b in BAD])
async def test_bad_samples_are_rejected_whole_with_every_problem(
    hub: Hub, name: str, target: tuple[str, str | None], expected: list[tuple[Any, ...]]
) -> None:
    response = await _post_sample(hub, name, *target)

    assert response.status_code == 400, response.text
    batch = response.json()["batch"]
    assert batch["status"] == "rejected"
    problems = [(p["row"], p["field"], p["reason"]) for p in batch["errors"]]
    for row, field, words in expected:
        assert any((r, f) == (row, field) and words in reason for r, f, reason in problems), (
            f"{(row, field, words)} not in {problems}"
        )
    assert batch["errorCount"] == len(problems) == len(expected)
    assert await _stored(hub) == 0
    async with hub.engine.connect() as connection:
        kept = (await connection.execute(select(IngestBatch.status, IngestBatch.errors))).one()
    assert kept.status == "rejected"
    assert kept.errors == batch["errors"]


async def test_a_byte_order_mark_is_fine(hub: Hub) -> None:
    response = await _post_sample(hub, "bom.csv", *LAA)
    assert response.status_code == 201, response.text
    assert response.json()["batch"]["created"] == 1
