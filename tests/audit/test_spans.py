"""Spans: an in-memory exporter sees the HTTP and GraphQL spans, and no secret."""

from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from hub.models.enums import Role
from tests.audit.helpers import last_record
from tests.support import World

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace._TRACER_PROVIDER_SET_ONCE._done = False  # tests only: install our provider
    trace.set_tracer_provider(provider)
    return exporter


async def test_spans_cover_http_and_graphql_and_hold_no_secret(
    world: World, spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    spans.clear()
    token = world.tokens[Role.RIEP_ANALYST]
    body = await world.graphql(
        Role.RIEP_ANALYST,
        "query Traced($apiToken: String!) { me { name } regions { code } "
        "authority(code: $apiToken) { name } }",
        {"apiToken": token},
    )
    assert body["data"] is None or body["data"].get("me")
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert "HTTP POST /graphql" in names
    assert "GraphQL Query: Traced" in names
    assert "GraphQL Parsing" in names
    assert "GraphQL Validation" in names
    assert not any("regions" in n or n == "me" for n in names)  # no span per field
    assert "policy.rows" in names  # each policy decision
    assert any(n.startswith("sql SELECT") for n in names)  # and each SQL statement
    dump = "".join(s.to_json() for s in finished)
    assert token not in dump
    record = await last_record(world.engine)
    http = next(s for s in finished if s.name == "HTTP POST /graphql")
    assert record.trace_id == format(http.context.trace_id, "032x")
