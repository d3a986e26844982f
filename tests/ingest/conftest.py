"""A small world for the ingest tests, on a fresh database per test (SQLite and PostgreSQL).

Two regions, five authorities, a few indicators, the inspectorates and two Government Offices
with their sources, and a token per submitting organisation plus a hub administrator and a RIEP
analyst. Small on purpose: each test sees exactly what it wrote.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.models import Authority, Indicator, Organisation, Region, Source, Theme
from hub.models.enums import OrganisationKind, Polarity, Role
from hub.settings import Settings

NORTH_EAST, LONDON = "E12000001", "E12000007"
REGIONS = [(NORTH_EAST, "North East"), (LONDON, "London")]
AUTHORITIES = [
    # gss, code, name, type, region
    ("E06000005", "DAL", "Darlington", "UA", NORTH_EAST),
    ("E06000047", "DUR", "County Durham", "UA", NORTH_EAST),
    ("E08000021", "NET", "Newcastle upon Tyne", "MD", NORTH_EAST),
    ("E09000007", "CMD", "Camden", "LBO", LONDON),
    ("E09000001", "LND", "City of London", "CC", LONDON),
]
INDICATORS = [f"NI{n}" for n in range(1, 11)] + [f"ASC{n}" for n in range(1, 8)]
ORGANISATIONS = [
    # code, kind, region id
    ("hub", OrganisationKind.HUB, None),
    ("audit-commission", OrganisationKind.INSPECTORATE, None),
    ("ofsted", OrganisationKind.INSPECTORATE, None),
    ("cqc", OrganisationKind.INSPECTORATE, None),
    ("go-north-east", OrganisationKind.GOVERNMENT_OFFICE, NORTH_EAST),
    ("go-london", OrganisationKind.GOVERNMENT_OFFICE, LONDON),
    ("riep-north-east", OrganisationKind.RIEP, NORTH_EAST),
]
SOURCES = [
    ("ac-cpa", "audit-commission"),
    ("ac-caa", "audit-commission"),
    ("ac-use-of-resources", "audit-commission"),
    ("ofsted-childrens-services", "ofsted"),
    ("cqc-adult-social-care", "cqc"),
    ("go-north-east-laa", "go-north-east"),
    ("go-london-laa", "go-london"),
    ("no-adapter", "audit-commission"),
]
PRINCIPALS = {
    "ac": ("audit-commission", Role.SUBMITTER),
    "ofsted": ("ofsted", Role.SUBMITTER),
    "cqc": ("cqc", Role.SUBMITTER),
    "gone": ("go-north-east", Role.SUBMITTER),
    "golondon": ("go-london", Role.SUBMITTER),
    "admin": ("hub", Role.HUB_ADMIN),
    "riep": ("riep-north-east", Role.RIEP_ANALYST),
}


async def load_reference(engine: AsyncEngine) -> dict[str, str]:
    """Reference data and a token per entry of PRINCIPALS (name -> raw token)."""
    tokens: dict[str, str] = {}
    async with unit_of_work(session_factory(engine)) as session:
        regions = {}
        for code, name in REGIONS:
            region = Region(code=code, name=name)
            session.add(region)
            await session.flush()
            regions[code] = region.id
        await session.execute(
            insert(Authority),
            [
                {
                    "gss_code": g,
                    "code": c,
                    "name": n,
                    "short_name": n,
                    "type": t,
                    "region_id": regions[r],
                }
                for g, c, n, t, r in AUTHORITIES
            ],
        )
        await session.execute(insert(Theme), [{"code": "test", "name": "Test theme"}])
        await session.execute(
            insert(Indicator),
            [
                {
                    "code": code,
                    "title": f"{code} (test)",
                    "unit": "percent",
                    "polarity": Polarity.HIGHER_IS_BETTER,
                    "theme_code": "test",
                }
                for code in INDICATORS
            ],
        )
        organisations = {}
        for code, kind, region in ORGANISATIONS:
            region_id = None if region is None else regions[region]
            organisation = Organisation(code=code, name=code, kind=kind, region_id=region_id)
            session.add(organisation)
            await session.flush()
            organisations[code] = organisation.id
        await session.execute(
            insert(Source),
            [{"code": c, "name": c, "organisation_id": organisations[o]} for c, o in SOURCES],
        )
        for name, (org, role) in PRINCIPALS.items():
            tokens[name] = await issue_token(session, org_code=org, role=role, name=name)
    return tokens


@dataclass
class Hub:
    """The app on a fresh database, and tokens for the test principals."""

    engine: AsyncEngine
    settings: Settings
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=headers)

    async def post(
        self,
        who: str,
        source: str,
        body: bytes | str,
        content_type: str = "text/csv",
        **params: Any,
    ) -> httpx.Response:
        headers = {"Content-Type": content_type}
        if "key" in params:
            headers["Idempotency-Key"] = params.pop("key")
        content = body.encode() if isinstance(body, str) else body
        async with self.client(who) as client:
            return await client.post(
                f"/ingest/{source}", content=content, headers=headers, params=params
            )

    async def graphql(
        self, who: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        async with self.client(who) as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def hub(engine: AsyncEngine) -> AsyncIterator[Hub]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        ingest_chunk_rows=100,  # small chunks, so tests cross chunk boundaries
    )
    tokens = await load_reference(engine)
    app = create_app(settings)
    yield Hub(engine, settings, app, tokens)
    await app.state.engine.dispose()
