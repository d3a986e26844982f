"""constraints.factor turns an OR of ANDs back into an AND of ORs only where that is exact."""

from itertools import product

from hub.authz.constraints import AllOf, Compare, Field, Value, factor


def atom(name: str, value: object = True) -> Compare:
    return Compare("eq", Field("grant", name), Value(value))


def _expand(factors: list[list[AllOf]]) -> set[frozenset[Compare]]:
    return {frozenset(p for choice in combo for p in choice.parts) for combo in product(*factors)}


def test_a_product_of_choices_is_recovered() -> None:
    dates = [[atom("to", None)], [atom("to_ok")]]
    cover = [[atom("src"), atom("theme", None)], [atom("src", None), atom("theme")]]
    shared = [atom("active")]
    alternatives = [AllOf((*shared, *d, *c)) for d, c in product(dates, cover)]
    factors = factor(alternatives)
    assert len(factors) == 3
    assert sorted(len(f) for f in factors) == [1, 2, 2]
    assert _expand(factors) == {frozenset(a.parts) for a in alternatives}


def test_alternatives_that_are_not_a_product_stay_whole() -> None:
    alternatives = [AllOf((atom("a"), atom("b"))), AllOf((atom("c"),))]
    assert factor(alternatives) == [alternatives]


def test_a_missing_combination_is_not_invented() -> None:
    # (a or b) and (c or d) without the b-and-d combination is not a product.
    alternatives = [
        AllOf((atom("a"), atom("c"))),
        AllOf((atom("a"), atom("d"))),
        AllOf((atom("b"), atom("c"))),
    ]
    factors = factor(alternatives)
    assert _expand(factors) == {frozenset(a.parts) for a in alternatives}
