"""Random CSV, JSON and NDJSON payloads at POST /ingest/ac-cpa (the Audit Commission's CPA
source) with the submitter's token: malformed encodings, BOMs, truncated lines, wrong and missing
columns, bad values. Whatever arrives, the answer is below 500, JSON, free of tracebacks and
tokens; a refused or rejected batch stores no assessment."""

import csv
import io
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hub.models import Assessment
from hub.models.enums import Role
from tests.fuzz.checks import check_response
from tests.fuzz.conftest import FuzzHub
from tests.fuzz.gql import json_values, names, weird_text

QUICK = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LONG = settings(QUICK, max_examples=1000)

COLUMNS = ["authority", "year", "stars", "direction_of_travel", "published_on", "status"]
GOOD = {
    "authority": ["E06000005", "DAL", "NET", "E08000021", "E09000007", "ZZZ", "", "E99999999"],
    "year": ["2008", "2007", "2008-09", "2008-Q3", "1900", "99999", "", "2008.0"],
    "stars": ["3", "3 stars", "***", "4*", "0", "5", "-1", "9" * 40, "three", "", "1e3"],
    "direction_of_travel": ["improving well", "improving strongly", "IMPROVING WELL", "sideways"],
    "published_on": ["2009-02-05", "05/02/2009", "2009-02-30", "0000-00-00", "", "yesterday"],
    "status": ["final", "provisional", "FINAL", "draft", ""],
}
cell = st.one_of(*(st.sampled_from(v) for v in GOOD.values()), weird_text)


@st.composite
def csv_text(draw: st.DrawFn) -> str:
    header = list(COLUMNS)
    if draw(st.integers(0, 3)) == 0:  # wrong columns: shuffled, missing, extra, duplicated
        header = draw(st.permutations(COLUMNS))[: draw(st.integers(0, len(COLUMNS)))]
        header += draw(st.lists(st.one_of(names, st.sampled_from(COLUMNS)), max_size=3))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        width = len(header) + (draw(st.integers(-2, 2)) if draw(st.integers(0, 4)) == 0 else 0)
        rows.append(
            [
                draw(st.sampled_from(GOOD[c]))
                if c in GOOD and draw(st.integers(0, 3))
                else draw(cell)
                for c in (header + ["extra"] * 3)[: max(width, 0)]
            ]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.integers(0, 4)) == 0:  # cut short mid-line, or an unterminated quote
        text = text[: draw(st.integers(0, len(text)))]
        text += draw(st.sampled_from(["", '"', '"E0600', ",,,\n", "\x00", "\\"]))
    return text


@st.composite
def json_text(draw: st.DrawFn, lines: bool) -> str:
    def row() -> Any:
        keys = draw(st.lists(st.one_of(st.sampled_from(COLUMNS), names), max_size=8, unique=True))
        return {
            k: draw(st.one_of(st.sampled_from(GOOD[k]), json_values))
            if k in GOOD
            else draw(json_values)
            for k in keys
        }

    items = [
        row() if draw(st.integers(0, 5)) else draw(json_values)
        for _ in range(draw(st.integers(0, 6)))
    ]
    if lines:
        text = "\n".join(json.dumps(item) for item in items)
    else:
        text = json.dumps(items if draw(st.integers(0, 6)) else draw(json_values))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, bytes]:
    """(content type, body bytes)."""
    kind = draw(st.sampled_from(["csv", "csv", "json", "ndjson", "bytes"]))
    if kind == "csv":
        text, media = draw(csv_text()), "text/csv"
    elif kind == "json":
        text, media = draw(json_text(lines=False)), "application/json"
    elif kind == "ndjson":
        text, media = draw(json_text(lines=True)), "application/x-ndjson"
    else:
        return draw(st.sampled_from(["text/csv", "application/json", "application/x-ndjson"])), (
            draw(st.binary(max_size=400))
        )
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
    body = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # a broken multibyte sequence somewhere
        position = draw(st.integers(0, len(body)))
        body = (
            body[:position]
            + draw(st.sampled_from([b"\xc3", b"\xff\xfe", b"\xe2\x82", b"\x80"]))
            + body[position:]
        )
    content_type = draw(
        st.sampled_from(
            [
                media,
                media,
                f"{media}; charset=utf-8",
                f"{media}; charset=latin-1",
                f"{media};charset",
                "text/plain",
                "",
                "application/octet-stream",
                f"{media}; boundary=x; charset=UTF8",
            ]
        )
    )
    return content_type, body


@st.composite
def ingest_requests(draw: st.DrawFn) -> dict[str, Any]:
    content_type, body = draw(payloads())
    headers = {"Content-Type": content_type} if content_type else {}
    key = draw(st.sampled_from(["none", "fresh", "fresh", "odd"]))
    if key == "fresh":
        headers["Idempotency-Key"] = uuid.uuid4().hex
    elif key == "odd":
        headers["Idempotency-Key"] = draw(
            st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=140)
        )
    source = draw(st.sampled_from(["ac-cpa"] * 6 + ["ac-caa", "ofsted-childrens-services", "nope"]))
    params = {}
    if draw(st.integers(0, 5)) == 0:
        params["dataset"] = draw(st.sampled_from(["cpa", "flags", "nope", ""]))
    return {"source": source, "headers": headers, "body": body, "params": params}


async def _assessments(hub: FuzzHub) -> int:
    async with hub.app.state.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(Assessment)) or 0)


async def _send(hub: FuzzHub, request: dict[str, Any]) -> None:
    before = await _assessments(hub)
    headers = {"Authorization": f"Bearer {hub.tokens[Role.SUBMITTER]}", **request["headers"]}
    async with hub.client() as client:
        response = await client.post(
            f"/ingest/{request['source']}",
            content=request["body"],
            headers=headers,
            params=request["params"],
        )
    body = check_response(response, hub.tokens.values())
    assert isinstance(body, dict), body
    if response.status_code in (200, 201):
        assert body["batch"]["status"] == "applied", body
        return
    if response.status_code == 400 and "batch" in body:
        assert body["batch"]["status"] == "rejected", body
        assert body["batch"]["errorCount"] >= 1, body
    else:  # refused before reading: a GraphQL-style error with a code
        assert body["errors"][0]["extensions"]["code"], body
    assert await _assessments(hub) == before, "a refused or rejected batch stored records"


@QUICK
@given(request=ingest_requests())
async def test_fuzz_ingest_payloads(fuzz_hub: FuzzHub, request: dict[str, Any]) -> None:
    await _send(fuzz_hub, request)


@pytest.mark.slow
@LONG
@given(request=ingest_requests())
async def test_fuzz_ingest_payloads_long(fuzz_hub: FuzzHub, request: dict[str, Any]) -> None:
    await _send(fuzz_hub, request)
