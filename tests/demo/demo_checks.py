"""Helpers of the demo tests: a migrated database, the tiny demo, checksums to compare loads."""

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db import create_engine
from hub.demo import load_demo
from hub.migrate import upgrade
from hub.models import (
    Agreement,
    AgreementVersion,
    Assessment,
    Authority,
    Indicator,
    Observation,
    Source,
)
from hub.settings import Settings


async def migrated(url: str) -> AsyncEngine:
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    return engine


async def tiny_demo(path: Path) -> AsyncEngine:
    engine = await migrated(f"sqlite+aiosqlite:///{path}")
    await load_demo(engine, "tiny")
    return engine


async def observation_checksum(engine: AsyncEngine) -> str:
    """SHA-256 of every observation by natural keys, typed values (comparable across backends)."""
    query = (
        select(
            Authority.gss_code,
            Indicator.code,
            Source.code,
            Observation.period,
            Observation.period_start,
            Observation.period_end,
            Observation.value,
            Observation.target,
            Observation.status,
            Observation.received_at,
        )
        .join(Authority, Authority.id == Observation.authority_id)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .join(Source, Source.id == Observation.source_id)
        .order_by(Authority.gss_code, Indicator.code, Observation.period_start)
    )
    digest = hashlib.sha256()
    async with engine.connect() as connection:
        for row in await connection.execute(query):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


async def judgement_checksum(engine: AsyncEngine) -> str:
    """SHA-256 of the assessments and agreement versions by natural keys."""
    digest = hashlib.sha256()
    assessments = (
        select(
            Authority.gss_code,
            Assessment.framework,
            Assessment.period,
            Assessment.score,
            Assessment.judgement,
            Assessment.direction_of_travel,
            Assessment.published_on,
        )
        .join(Authority, Authority.id == Assessment.authority_id)
        .order_by(Authority.gss_code, Assessment.framework, Assessment.period)
    )
    versions = (
        select(
            Agreement.reference,
            AgreementVersion.version,
            AgreementVersion.state,
            AgreementVersion.is_current,
            AgreementVersion.effective_from,
            AgreementVersion.effective_to,
            AgreementVersion.include_provisional,
        )
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .order_by(Agreement.reference, AgreementVersion.version)
    )
    async with engine.connect() as connection:
        for query in (assessments, versions):
            for row in await connection.execute(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
