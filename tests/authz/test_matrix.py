"""The access matrix: every role x agreement state x in/out of region x covered/not x purpose
allowed/not x provisional/final, for lists, single objects and nested fields."""

import pytest
from sqlalchemy import update

from hub.models import AgreementVersion, Observation
from hub.models.enums import AgreementState, Purpose, Role
from tests.authz.conftest import SmallHub
from tests.authz.small_world import PAST, PRINCIPALS, Record, Terms, World, store, visible

LIST = "{ observations(filter: {}, first: 100) { nodes { id } } }"
NESTED = "{ regions { authorities { observations(first: 100) { nodes { id } } } } }"
# Authority 1 is in riep-ne's region, 3 in riep-nw's; source 1 is covered, source 2 is not.
RECORDS = [
    Record(authority, indicator=1, source=source, status=status)
    for authority in (1, 3)
    for source in (1, 2)
    for status in ("final", "provisional")
]


def _world(state: AgreementState, provisional: bool) -> World:
    terms = Terms(
        state=state,
        effective_from=PAST,
        effective_to=None,
        review_date=None,
        include_provisional=provisional,
        recipients=frozenset({1, 2, 3}),
        purposes=frozenset({Purpose.EARLY_WARNING}),
        coverage=frozenset({(1, None)}),
    )
    return World(agreements={1: [terms], 3: [terms]}, records=RECORDS)


def _ids(data: dict[str, object]) -> set[int]:
    nodes = data["observations"]["nodes"]  # type: ignore[index]
    return {int(n["id"]) for n in nodes}  # type: ignore[attr-defined]


@pytest.mark.parametrize("provisional", [False, True])
@pytest.mark.parametrize("state", list(AgreementState))
async def test_matrix(small: SmallHub, state: AgreementState, provisional: bool) -> None:
    world = _world(state, provisional)
    ids = await store(small.engine, world)
    for who in PRINCIPALS:
        for purpose in (Purpose.EARLY_WARNING, Purpose.RESEARCH):
            expected = {ids[i] for i, r in enumerate(RECORDS) if visible(world, *who, purpose, r)}
            assert _ids(await small.ask(who, purpose, LIST)) == expected, (who, purpose)
            regions = (await small.ask(who, purpose, NESTED))["regions"]
            nested = {
                int(n["id"])
                for region in regions
                for authority in region["authorities"]
                for n in authority["observations"]["nodes"]
            }
            assert nested == expected, (who, purpose)
            for record_id in ids:
                query = f'{{ observation(id: "{record_id}") {{ id }} }}'
                body = await small.raw(who, purpose, query)
                if record_id in expected:
                    assert body["data"]["observation"]["id"] == str(record_id)
                else:
                    assert body["data"] is None
                    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
                    assert body["errors"][0]["message"] == "observation not found"


async def test_matrix_cells_by_hand(small: SmallHub) -> None:
    """The same rules, spelled out for one active agreement without provisional data."""
    ids = await store(small.engine, _world(AgreementState.ACTIVE, provisional=False))
    riep_ne, riep_nw = ("riep-ne", Role.RIEP_ANALYST), ("riep-nw", Role.RIEP_ANALYST)
    final_covered = {1: ids[0], 3: ids[4]}  # authority -> its covered, final record
    assert _ids(await small.ask(riep_ne, Purpose.EARLY_WARNING, LIST)) == {final_covered[1]}
    assert _ids(await small.ask(riep_nw, Purpose.EARLY_WARNING, LIST)) == {final_covered[3]}
    assert _ids(await small.ask(riep_ne, Purpose.RESEARCH, LIST)) == set()
    idea = ("idea", Role.IDEA_ANALYST)
    assert _ids(await small.ask(idea, Purpose.EARLY_WARNING, LIST)) == set(final_covered.values())
    officer = ("la-1", Role.AUTHORITY_OFFICER)
    assert _ids(await small.ask(officer, Purpose.RESEARCH, LIST)) == set(ids[:4])
    for nobody in (("hub", Role.HUB_ADMIN), ("hub-audit", Role.AUDITOR)):
        assert _ids(await small.ask(nobody, Purpose.EARLY_WARNING, LIST)) == set()


SUMMARY = '{ indicatorSummary(indicator: "IND1", period: "2009-Q1") { count median } }'


async def test_aggregates_use_only_agreements_that_allow_them(small: SmallHub) -> None:
    await store(small.engine, _world(AgreementState.ACTIVE, provisional=False))
    async with small.engine.begin() as connection:
        await connection.execute(update(Observation).values(period="2009-Q1"))
    idea = ("idea", Role.IDEA_ANALYST)
    riep_ne = ("riep-ne", Role.RIEP_ANALYST)

    async def count(who: tuple[str, Role]) -> int:
        data = await small.ask(who, Purpose.EARLY_WARNING, SUMMARY)
        return int(data["indicatorSummary"]["count"])

    # Shared with the IDeA: authority 1's and 3's covered, final records (source 1). Allowing
    # aggregates lets an authority count in hub-wide benchmarks, so riep-ne counts authority 3
    # too, though it reads only authority 1.
    assert await count(idea) == 2
    assert await count(riep_ne) == 2
    async with small.engine.begin() as connection:
        await connection.execute(
            update(AgreementVersion)
            .where(AgreementVersion.agreement_id == 3)
            .values(allow_aggregates=False)
        )
    assert await count(idea) == 1
    assert await count(riep_ne) == 1
    assert _ids(await small.ask(idea, Purpose.EARLY_WARNING, LIST)) != set()  # still readable
    assert await count(("hub-audit", Role.AUDITOR)) == 0
    assert await count(("la-1", Role.AUTHORITY_OFFICER)) == 0
