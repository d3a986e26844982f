"""Reference data: the real lists with their caveats applied, organisations, sources, indicators."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from hub.demo import catalogue
from hub.demo.reference import load_reference
from hub.demo.state import table_counts
from hub.models import Authority, Indicator, Organisation, Region, Source
from hub.models.enums import OrganisationKind, Polarity
from tests.demo.demo_checks import migrated


async def test_counts_of_the_2009_structure(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        by_type = dict(
            (
                await connection.execute(
                    select(Authority.type, func.count()).group_by(Authority.type)
                )
            ).all()
        )
        regions = await connection.scalar(select(func.count()).select_from(Region))
    assert regions == 9
    assert sum(by_type.values()) == 353
    assert by_type == {"CTY": 27, "NMD": 201, "UA": 56, "MD": 36, "LBO": 32, "CC": 1}


async def test_every_district_has_a_county_and_every_authority_a_region(
    demo_engine: AsyncEngine,
) -> None:
    county = aliased(Authority)
    async with demo_engine.connect() as connection:
        districts = (
            await connection.execute(
                select(Authority.code, county.type)
                .outerjoin(county, county.id == Authority.county_id)
                .where(Authority.type == "NMD")
            )
        ).all()
        others_with_county = await connection.scalar(
            select(func.count()).where(Authority.type != "NMD", Authority.county_id.is_not(None))
        )
        regionless = await connection.scalar(
            select(func.count())
            .select_from(Authority)
            .outerjoin(Region, Region.id == Authority.region_id)
            .where(Region.id.is_(None))
        )
    assert len(districts) == 201
    assert {kind for _, kind in districts} == {"CTY"}
    assert others_with_county == 0
    assert regionless == 0


async def test_forest_heath_is_in_suffolk(demo_engine: AsyncEngine) -> None:
    county = aliased(Authority)
    query = (
        select(county.name, county.code)
        .join(Authority, Authority.county_id == county.id)
        .where(Authority.code == "FOR")
    )
    async with demo_engine.connect() as connection:
        row = (await connection.execute(query)).one()
    assert tuple(row) == ("Suffolk County Council", "SFK")


async def test_abolished_authorities_have_their_filled_region(demo_engine: AsyncEngine) -> None:
    query = (
        select(Region.name)
        .join(Authority, Authority.region_id == Region.id)
        .where(Authority.code == "BKM")
    )
    async with demo_engine.connect() as connection:
        assert await connection.scalar(query) == "South East"


async def test_organisations_have_stable_codes(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        orgs = {
            code: (name, kind, region)
            for code, name, kind, region in await connection.execute(
                select(
                    Organisation.code, Organisation.name, Organisation.kind, Region.name
                ).outerjoin(Region, Region.id == Organisation.region_id)
            )
        }
        authority_orgs = await connection.scalar(
            select(func.count())
            .select_from(Organisation)
            .join(Authority, Authority.id == Organisation.authority_id)
            .where(Organisation.code == Authority.gss_code)
        )
    for code in ("hub", "idea", "lga", "audit-commission", "ofsted", "cqc", "hub-audit"):
        assert code in orgs
    assert orgs["hub-audit"][1] == OrganisationKind.AUDITOR
    assert orgs["cqc"][1] == OrganisationKind.INSPECTORATE
    assert orgs["riep-london"][0] == "Capital Ambition"
    assert orgs["go-north-east"][0] == "Government Office for the North East (GONE)"
    for slug in catalogue.REGION_SLUGS.values():
        assert orgs[f"go-{slug}"][1] == OrganisationKind.GOVERNMENT_OFFICE
        assert orgs[f"riep-{slug}"][1] == OrganisationKind.RIEP
        assert orgs[f"riep-{slug}"][2] is not None
    assert orgs["riep-yorkshire-and-the-humber"][2] == "Yorkshire and The Humber"
    assert authority_orgs == 353


async def test_sources_belong_to_their_bodies(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        sources = {
            code: (org, theme)
            for code, org, theme in await connection.execute(
                select(Source.code, Organisation.code, Source.theme_code).join(
                    Organisation, Organisation.id == Source.organisation_id
                )
            )
        }
    assert len(sources) == 14
    assert sources["ac-cpa"] == ("audit-commission", "corporate_health")
    assert sources["ofsted-childrens-services"] == ("ofsted", "children_and_young_people")
    assert sources["cqc-adult-social-care"] == ("cqc", "adult_social_care")
    assert sources["go-london-laa"] == ("go-london", None)


async def test_ni_titles_are_marked_demo(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        rows = (
            await connection.execute(
                select(Indicator.code, Indicator.title, Indicator.is_demo, Indicator.unit)
            )
        ).all()
    ni = [r for r in rows if r.code.startswith("NI")]
    assert len(ni) == 198
    assert all(r.is_demo and "(demo title)" in r.title for r in ni)
    assert {r.unit for r in ni} == set(catalogue.UNITS)


async def test_asc_measures_are_real(demo_engine: AsyncEngine) -> None:
    async with demo_engine.connect() as connection:
        rows = {
            r.code: r
            for r in await connection.execute(select(Indicator).where(Indicator.code.like("ASC%")))
        }
    assert sorted(rows) == [f"ASC{n}" for n in range(1, 8)]
    assert not any(r.is_demo for r in rows.values())
    assert {r.theme_code for r in rows.values()} == {"adult_social_care"}
    assert rows["ASC2"].title == "Outcome, ASC Quality of Life"
    assert rows["ASC2"].polarity == Polarity.HIGHER_IS_BETTER  # rank_order desc
    assert rows["ASC7"].polarity == Polarity.NEUTRAL  # rank_order None


async def test_reference_loader_is_idempotent(tmp_path: Path) -> None:
    engine = await migrated(f"sqlite+aiosqlite:///{tmp_path}/ref.db")
    try:
        await load_reference(engine)
        once = await table_counts(engine)
        await load_reference(engine)
        assert await table_counts(engine) == once
        assert once["authority"] == 353
        assert once["indicator"] == 205
        assert once["observation"] == 0
    finally:
        await engine.dispose()
