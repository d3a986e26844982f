"""The signal tests reuse the ingest tests' small world (tests/ingest/conftest.py): five
authorities in two regions, NI1-NI10 (higher is better), the inspectorates, two Government
Offices and a North East RIEP; a fresh database per test, on SQLite and PostgreSQL."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.auth.tokens import issue_token
from hub.db import session_factory, unit_of_work
from hub.models import Alert, Authority, Indicator, Organisation, Region
from hub.models.enums import AgreementState, OrganisationKind, Polarity, Purpose, Role
from hub.services.agreements import AgreementTerms, Coverage, create_agreement
from hub.signals import settle
from tests.ingest.conftest import LONDON, Hub, hub

__all__ = ["Hub", "alerts_of", "early", "furnish", "hub", "ingest", "set_polarity"]


async def ingest(h: Hub, who: str, source: str, csv: str, dataset: str | None = None) -> int:
    """Push a CSV batch; the id of the applied batch."""
    params = {"dataset": dataset} if dataset else {}
    response = await h.post(who, source, csv, **params)
    assert response.status_code == 201, response.text
    await settle()  # a served app evaluates the rules after answering
    batch_id: int = response.json()["batch"]["id"]
    return batch_id


async def alerts_of(h: Hub, rule: str | None = None) -> list[Any]:
    """The alerts stored, with their authority's code, oldest first."""
    stmt = (
        select(Alert.__table__, Authority.code.label("authority"))
        .join(Authority, Authority.id == Alert.authority_id)
        .order_by(Alert.id)
    )
    if rule is not None:
        stmt = stmt.where(Alert.rule == rule)
    async with h.engine.connect() as connection:
        return list((await connection.execute(stmt)).all())


async def set_polarity(h: Hub, code: str, polarity: Polarity) -> None:
    async with h.engine.begin() as connection:
        await connection.execute(
            update(Indicator).where(Indicator.code == code).values(polarity=polarity)
        )


# --- an early-warning world: agreements, a London RIEP, the IDeA, Darlington's own officers ---

AGREEMENTS = {
    # authority: (sources covered, recipients)
    "DAL": (("ac-caa", "ac-cpa", "go-north-east-laa"), ("riep-north-east", "idea")),
    "CMD": (("ac-caa", "ac-cpa"), ("riep-london", "idea")),
    "DUR": (("ac-cpa",), ("riep-north-east",)),  # not the CAA: its red flags stay hidden
}
EXTRA = {
    # token name: (organisation code, kind, region code, authority code, role)
    "riep_london": ("riep-london", OrganisationKind.RIEP, LONDON, None, Role.RIEP_ANALYST),
    "idea": ("idea", OrganisationKind.IDEA, None, None, Role.IDEA_ANALYST),
    "dal_officer": ("dal", OrganisationKind.AUTHORITY, None, "DAL", Role.AUTHORITY_OFFICER),
}


@pytest.fixture
async def early(hub: Hub) -> Hub:
    """The ingest tests' world plus what early warning needs (see AGREEMENTS and EXTRA)."""
    await furnish(hub.engine, hub.tokens)
    return hub


async def furnish(engine: AsyncEngine, tokens: dict[str, str]) -> None:
    """Add EXTRA's organisations (their tokens into `tokens`) and AGREEMENTS to the ingest
    tests' world on `engine`."""
    async with unit_of_work(session_factory(engine)) as session:
        for name, (org, kind, region, authority, role) in EXTRA.items():
            region_id = await session.scalar(select(Region.id).where(Region.code == region))
            authority_id = await session.scalar(
                select(Authority.id).where(Authority.code == authority)
            )
            session.add(
                Organisation(
                    code=org, name=org, kind=kind, region_id=region_id, authority_id=authority_id
                )
            )
            await session.flush()
            tokens[name] = await issue_token(session, org_code=org, role=role, name=name)
        for authority, (sources, recipients) in AGREEMENTS.items():
            terms = AgreementTerms(
                state=AgreementState.ACTIVE,
                effective_from=date(2008, 1, 1),
                coverage=tuple(Coverage(source=s) for s in sources),
                recipients=recipients,
                purposes=(Purpose.EARLY_WARNING, Purpose.IMPROVEMENT_SUPPORT),
                lawful_basis="Local Government Act 2000 s.2",
                retention="Six years.",
                contact="Head of Policy (test)",
            )
            await create_agreement(session, authority=authority, terms=terms, by=None)
