"""Reference reads: regions, authorities, indicators; paging and errors."""

from hub.models.enums import Role
from tests.support import World


async def test_regions_and_their_authorities(world: World) -> None:
    body = await world.graphql(
        Role.RIEP_ANALYST, "{ regions { code name authorities { gssCode type } } }"
    )
    regions = body["data"]["regions"]
    assert len(regions) == 9
    assert sum(len(r["authorities"]) for r in regions) == 353
    north_east = next(r for r in regions if r["code"] == "E12000001")
    assert {a["type"] for a in north_east["authorities"]} <= {"UA", "MD", "CTY", "NMD"}


async def test_authority_by_either_code(world: World) -> None:
    query = "query($c: String!) { authority(code: $c) { gssCode code name region { code } } }"
    by_gss = await world.graphql(Role.IDEA_ANALYST, query, {"c": "E06000005"})
    by_code = await world.graphql(Role.IDEA_ANALYST, query, {"c": "DAL"})
    assert by_gss["data"] == by_code["data"]
    assert by_gss["data"]["authority"]["region"]["code"] == "E12000001"


async def test_district_has_its_county(world: World) -> None:
    query = '{ authority(code: "FOR") { name county { name } } }'
    body = await world.graphql(Role.HUB_ADMIN, query)
    assert body["data"]["authority"]["county"]["name"] == "Suffolk County Council"


async def test_unknown_authority_is_not_found(world: World) -> None:
    body = await world.graphql(Role.HUB_ADMIN, '{ authority(code: "ZZZ") { name } }')
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_paging_walks_every_authority_once(world: World) -> None:
    query = """query($after: String) {
      authorities(first: 100, after: $after) {
        nodes { gssCode } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await world.graphql(Role.HUB_ADMIN, query, {"after": after}))["data"]
        seen += [n["gssCode"] for n in page["authorities"]["nodes"]]
        if not page["authorities"]["pageInfo"]["hasNextPage"]:
            break
        after = page["authorities"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 353


async def test_page_size_is_capped(world: World) -> None:
    body = await world.graphql(Role.HUB_ADMIN, "{ authorities(first: 1000000) { nodes { code } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "first must be between" in body["errors"][0]["message"]


async def test_bad_cursor_is_bad_input(world: World) -> None:
    body = await world.graphql(
        Role.HUB_ADMIN, '{ authorities(after: "not-a-cursor") { nodes { code } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_cursor_of_another_kind_is_refused(world: World) -> None:
    first = await world.graphql(
        Role.HUB_ADMIN, "{ indicators(first: 1) { pageInfo { endCursor } } }"
    )
    cursor = first["data"]["indicators"]["pageInfo"]["endCursor"]
    query = "query($a: String) { authorities(after: $a) { nodes { code } } }"
    body = await world.graphql(Role.HUB_ADMIN, query, {"a": cursor})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_indicators_by_theme(world: World) -> None:
    body = await world.graphql(
        Role.IDEA_ANALYST,
        '{ indicators(theme: "adult_social_care", first: 500) { nodes { code isDemo } } }',
    )
    codes = {n["code"]: n["isDemo"] for n in body["data"]["indicators"]["nodes"]}
    assert codes["ASC1"] is False
