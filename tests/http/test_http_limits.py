"""Abuse limits: each refusal is a request error with its own code, recorded as "limited"."""

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from hub.http.ratelimit import TokenBuckets
from hub.models.enums import Role
from tests.http.conftest import AppClient
from tests.http.helpers import GRAPHQL_RESPONSE, last_record
from tests.support import World

PANEL = """query Panel($region: String!) {
  region(code: $region) { authorities { gssCode
    observations(indicators: ["NI1"], first: 500) {
      nodes { period value indicator { code } grantedBy { reference } } } } } }"""


async def ask(world: World, query: str, variables: Any = None) -> Any:
    async with world.client(Role.HUB_ADMIN) as client:
        return await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Accept": GRAPHQL_RESPONSE},
        )


async def refused(world: World, query: str, code: str, variables: Any = None) -> None:
    response = await ask(world, query, variables)
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    record = await last_record(world)
    assert record.outcome == "limited"
    assert record.document_hash == hashlib.sha256(query.encode()).hexdigest()


async def test_the_hubs_own_queries_pass(world: World) -> None:
    response = await ask(world, PANEL, {"region": "E12000001"})
    assert response.status_code == 200
    assert "errors" not in response.json(), response.text
    big_page = "{ observations(filter: {}, first: 5000) { nodes { value authority { code } } } }"
    assert (await ask(world, big_page)).status_code == 200


async def test_depth(world: World) -> None:
    deep = "{ regions { authorities { region { authorities { region { authorities { region "
    deep += "{ authorities { code } } } } } } } } }"
    await refused(world, deep, "QUERY_TOO_DEEP")


async def test_aliases(world: World) -> None:
    query = "{ " + " ".join(f"a{n}: __typename" for n in range(16)) + " }"
    await refused(world, query, "TOO_MANY_ALIASES")


async def test_directives(world: World) -> None:
    query = "{ " + "__typename @include(if: true) " * 51 + "}"
    await refused(world, query, "TOO_MANY_DIRECTIVES")


async def test_tokens(world: World) -> None:
    query = "{ " + "__typename " * 1000 + "}"
    await refused(world, query, "TOO_MANY_TOKENS")


async def test_cost_counts_nested_pages_and_variables(world: World) -> None:
    nested = "query($n: Int) { authorities(first: 100) { nodes { "
    nested += "observations(first: $n) { nodes { value } } } } }"
    await refused(world, nested, "QUERY_TOO_COSTLY", {"n": 50})
    assert (await ask(world, nested, {"n": 20})).status_code == 200
    # once known to be valid, the document is still refused when its variables cost too much
    await refused(world, nested, "QUERY_TOO_COSTLY", {"n": 50})
    twice = "{ a: observations(filter: {}, first: 5000) { nodes { value } } "
    twice += "b: observations(filter: {}, first: 5000) { nodes { value } } }"
    await refused(world, twice, "QUERY_TOO_COSTLY")


async def test_page_size_is_still_bad_input(world: World) -> None:
    response = await ask(world, "{ authorities(first: 1000000) { nodes { code } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_body_size(world: World, app_client: AppClient) -> None:
    query = "{ __typename }" + " " * 2000
    async with app_client(world.tokens[Role.HUB_ADMIN], graphql_max_body_bytes=1024) as client:
        response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert (await last_record(world)).outcome == "limited"


async def test_timeout(world: World, app_client: AppClient) -> None:
    query = "{ authorities(first: 10) { nodes { code } } }"
    async with app_client(world.tokens[Role.HUB_ADMIN], graphql_timeout_seconds=1e-6) as client:
        response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert (await last_record(world)).outcome == "limited"


async def test_rate_limit_per_token(world: World, app_client: AppClient) -> None:
    token = await world.token("hub", Role.HUB_ADMIN, name="rate-limited-admin")
    other = await world.token("hub", Role.HUB_ADMIN, name="another-admin")
    settings = {"rate_limit_per_minute": 1, "rate_limit_burst": 2}
    async with app_client(token, **settings) as client:
        answers = [await client.post("/graphql", json={"query": "{ __typename }"}) for _ in "abc"]
        fresh = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {other}"},
        )
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(answers[2].headers["retry-after"]) >= 1
    assert fresh.status_code == 200


def test_token_bucket_refills() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    assert [buckets.take(1), buckets.take(1)] == [0, 0]
    assert buckets.take(1) == pytest.approx(1.0)
    assert buckets.take(2) == 0
    now[0] = 1.0
    assert buckets.take(1) == 0


async def test_production_turns_off_introspection_and_graphiql(
    world: World, app_client: AppClient
) -> None:
    production = {"mode": "production", "audit_signing_key": "k" * 40}
    async with app_client(world.tokens[Role.HUB_ADMIN], **production) as client:
        introspection = await client.post(
            "/graphql",
            json={"query": "{ __schema { types { name } } }"},
            headers={"Accept": GRAPHQL_RESPONSE},
        )
        page = await client.get("/graphql", headers={"Accept": "text/html", "Authorization": ""})
    assert introspection.status_code == 400
    assert "introspection" in introspection.json()["errors"][0]["message"]
    assert page.status_code in (401, 404)
    async with app_client(None) as client:  # development: the page, without a token
        assert "graphiql" in (await client.get("/graphql", headers={"Accept": "text/html"})).text


async def test_trusted_documents(world: World, app_client: AppClient, tmp_path: Path) -> None:
    known = "{ me { name } }"
    digest = hashlib.sha256(known.encode()).hexdigest()
    registry = tmp_path / "trusted.json"
    registry.write_text(json.dumps({digest: known}))
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with app_client(world.tokens[Role.HUB_ADMIN], trusted_documents=registry) as client:
        by_hash = await client.post("/graphql", json={"extensions": persisted})
        by_text = await client.post("/graphql", json={"query": known})
        other = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
        unknown = await client.post(
            "/graphql",
            json={"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        )
    assert by_hash.json() == {"data": {"me": {"name": "demo-hub-admin"}}}
    assert by_text.json() == by_hash.json()
    assert other.status_code == 400
    assert other.json()["errors"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
    assert (await last_record(world)).outcome == "limited"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"


def test_a_registry_with_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    from hub.http.trusted import TrustedDocuments

    registry = tmp_path / "trusted.json"
    registry.write_text(json.dumps({"0" * 64: "{ me { name } }"}))
    with pytest.raises(ValueError, match="not the sha256"):
        TrustedDocuments.load(registry)


async def test_a_valid_document_is_validated_once_and_an_invalid_one_every_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated: list[str] = []
    original = strawberry_schema.validate_document

    def spy(schema: Any, document: Any, rules: Any) -> Any:
        validated.append(document.loc.source.body)
        return original(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", spy)
    good = "query Good($region: String!) { region(code: $region) { code } }"
    bad = "{ region(code: 1) { nope } }"
    for _ in range(3):
        assert (await ask(world, good, {"region": "E12000001"})).status_code == 200
        response = await ask(world, bad)
        assert response.status_code == 400
        codes = {e["extensions"]["code"] for e in response.json()["errors"]}
        assert codes == {"GRAPHQL_VALIDATION_FAILED"}
    assert validated.count(good) == 1
    assert validated.count(bad) == 3


async def test_a_document_is_parsed_once_and_one_past_the_limits_every_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    original = strawberry_schema.parse

    def spy(source: str, **options: Any) -> Any:
        parsed.append(source)
        return original(source, **options)

    monkeypatch.setattr(strawberry_schema, "parse", spy)
    good = "query Parsed($region: String!) { region(code: $region) { code name } }"
    long = "{ " + "__typename " * 1000 + "}"
    for region in ("E12000001", "E12000002", "E12000003"):
        response = await ask(world, good, {"region": region})
        assert response.status_code == 200
        assert response.json()["data"]["region"]["code"] == region  # each its own variables
        await refused(world, long, "TOO_MANY_TOKENS")
    assert parsed.count(good) == 1
    assert parsed.count(long) == 3
