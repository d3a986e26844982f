"""The fast path for lists of plain objects answers exactly what graphql-core's ordinary path
does, errors included, and steps aside where a field or an extension might do more."""

from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from hub.graphql.execution import CONTEXT_ONLY, LeafListExecutionContext
from hub.telemetry import GraphQLTracing


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


async def _later() -> str:
    return "later"


@strawberry.type
class Leaf:
    name: str
    rows: int
    colour: Colour | None
    score: float | None = None


@strawberry.type
class Node:
    id: strawberry.ID
    label: str | None
    leaves: list[Leaf]
    first: Leaf | None = None  # one plain object, as a series' indicator

    @strawberry.field
    def shout(self) -> str:
        return (self.label or "").upper()


def _nodes() -> list[Node]:
    return [
        Node(
            id=strawberry.ID(str(i)),
            label=None if i % 2 else f"n{i}",
            leaves=[Leaf(name=f"l{j}", rows=j, colour=Colour.RED if j else None) for j in range(3)],
            first=None if i == 3 else Leaf(name=f"f{i}", rows=i, colour=None),
        )
        for i in range(4)
    ]


async def _later_leaf() -> Leaf:
    return Leaf(name="late", rows=0, colour=None)


@strawberry.type
class Tagged:
    """Resolvers marked CONTEXT_ONLY: the fast path calls them (with the list's info)."""

    name: str

    @strawberry.field(metadata=CONTEXT_ONLY)
    def label(self, info: strawberry.Info) -> str:
        return f"{info.context['prefix']}-{self.name}"

    @strawberry.field(graphql_type=Leaf, metadata=CONTEXT_ONLY)
    def leaf(self) -> Any:  # a value, or (for "late") an awaitable: the ordinary path then
        if self.name == "late":
            return _later_leaf()
        return Leaf(name=self.name, rows=len(self.name), colour=Colour.RED)


@dataclass
class Odd:
    name: Any
    rows: Any
    colour: Any = None


@strawberry.type
class Bag:
    """Lists of values inside an object, as a series' periods, values and statuses."""

    names: list[str]
    scores: list[float | None]
    colours: list[Colour]


class Churning:
    """A node whose `first` is a new Leaf at every read: once freed, its id may be reused."""

    def __init__(self, i: int) -> None:
        self.id, self.label, self.i = strawberry.ID(str(i)), None, i
        self.leaves: list[Leaf] = []

    @property
    def first(self) -> Leaf:
        return Leaf(name=f"c{self.i}", rows=self.i, colour=None)


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self) -> list[Node]:
        return _nodes()

    @strawberry.field
    def shared(self) -> list[Node]:
        one = Leaf(name="shared", rows=7, colour=Colour.BLUE)
        return [Node(id=strawberry.ID(str(i)), label=None, leaves=[], first=one) for i in range(5)]

    @strawberry.field
    def bags(self) -> list[Bag]:
        return [
            Bag(names=[f"a{i}", "b"], scores=[1.5, None, float(i)], colours=[Colour.RED] * i)
            for i in range(4)
        ]

    @strawberry.field
    def bad_bags(self) -> list[Bag]:
        bags = self.bags()
        bags[1].names.append(None)  # type: ignore[arg-type]  # null in a list of String!
        bags[2].scores.append(float("inf"))  # not a Float
        return bags

    @strawberry.field
    def churning(self) -> list[Node]:
        return [Churning(i) for i in range(200)]  # type: ignore[misc]

    @strawberry.field
    def leaves(self) -> list[Leaf | None]:
        return [Leaf(name="a", rows=1, colour=Colour.BLUE), None]

    @strawberry.field
    def null_name(self) -> list[Leaf]:
        return [Odd(name=None, rows=1)]  # type: ignore[list-item]  # null in a non-null field

    @strawberry.field
    def too_big(self) -> list[Leaf]:
        return [Odd(name="a", rows=2**40)]  # type: ignore[list-item]  # not an Int

    @strawberry.field
    def coerced(self) -> list[Leaf]:
        return [Odd(name=5, rows=True, colour="blue")]  # type: ignore[list-item]

    @strawberry.field
    def pending(self) -> list[Leaf]:
        return [Odd(name=_later(), rows=1)]  # type: ignore[list-item]  # an awaitable

    @strawberry.field
    def tagged(self) -> list[Tagged]:
        return [Tagged(name="a"), Tagged(name="bb")]

    @strawberry.field
    def tagged_late(self) -> list[Tagged]:
        return [Tagged(name="a"), Tagged(name="late")]

    @strawberry.field
    def missing(self) -> list[Leaf]:
        return [object()]  # type: ignore[list-item]  # no attributes at all

    @strawberry.field
    def bad_first(self) -> list[Node]:
        nodes = _nodes()
        nodes[1].first = Odd(name=None, rows=1)  # type: ignore[assignment]  # null, non-null
        return nodes


QUERIES = {
    "nested": "{ nodes { id label leaves { name rows colour score } } }",
    "aliases": "{ nodes { a: id b: id __typename leaves { n: name __typename } } }",
    "resolver": "{ nodes { id shout leaves { name } } }",
    "skip": "query($s: Boolean!) { nodes { id label @skip(if: $s) leaves { rows } } }",
    "nullable items": "{ leaves { name colour } }",
    "null name": "{ nullName { name rows } }",
    "too big": "{ tooBig { name rows } }",
    "coerced": "{ coerced { name rows colour } }",
    "pending": "{ pending { name } }",
    "missing": "{ missing { name } }",
    "single object": "{ nodes { id first { name rows colour } } }",
    "single object fails": "{ badFirst { id first { name rows } } }",
    "single object shared": "{ shared { id first { name rows colour } } }",
    "lists of values": "{ bags { names scores colours } }",
    "lists of values fail": "{ badBags { names scores colours } }",
    "single object, new at each read": "{ churning { id first { name rows } } }",
    "context only": "{ tagged { name label leaf { name rows colour } } }",
    "context only, awaitable": "{ taggedLate { name label leaf { name } } }",
}


class Upper(SchemaExtension):
    """A middleware that changes every string: the fast path must not bypass it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


def _schema(fast: bool, extensions: list[Any]) -> strawberry.Schema:
    if not fast:
        return strawberry.Schema(query=Query, extensions=extensions)
    return strawberry.Schema(
        query=Query, extensions=extensions, execution_context_class=LeafListExecutionContext
    )


def _shape(result: Any) -> Any:
    return result.data, sorted((e.message, e.path) for e in result.errors or [])


@pytest.mark.parametrize(
    "extensions", [[], [GraphQLTracing], [Upper]], ids=["none", "tracing", "upper"]
)
@pytest.mark.parametrize("name", list(QUERIES))
async def test_the_fast_path_answers_as_the_ordinary_one(name: str, extensions: list[Any]) -> None:
    query, variables, context = QUERIES[name], {"s": True}, {"prefix": "p"}
    expected = await _schema(False, extensions).execute(
        query, variable_values=variables, context_value=context
    )
    found = await _schema(True, extensions).execute(
        query, variable_values=variables, context_value=context
    )
    assert _shape(found) == _shape(expected)
    failing = {"null name", "too big", "missing", "single object fails", "lists of values fail"}
    failing |= {"coerced"} if Upper in extensions else set()
    assert (found.errors is not None) == (name in failing)  # so the comparison can fail


@pytest.mark.parametrize(
    ("extensions", "taken"), [([], True), ([GraphQLTracing], True), ([Upper], False)]
)
async def test_the_fast_path_is_taken_only_where_nothing_else_runs(
    monkeypatch: pytest.MonkeyPatch, extensions: list[Any], taken: bool
) -> None:
    completed: list[bool] = []
    original = LeafListExecutionContext._object_list

    def spy(self: LeafListExecutionContext, *args: Any) -> Any:
        found = original(self, *args)
        completed.append(found is not None)
        return found

    monkeypatch.setattr(LeafListExecutionContext, "_object_list", spy)
    result = await _schema(True, extensions).execute(QUERIES["nested"])
    assert result.errors is None
    assert completed[0] is taken  # the outer list: all its fields are plain
    result = await _schema(True, extensions).execute(QUERIES["resolver"])
    assert result.errors is None
    assert completed[1] is False  # `shout` has a resolver: the ordinary path
    completed.clear()
    result = await _schema(True, extensions).execute(QUERIES["single object"])
    assert result.errors is None
    assert completed[0] is taken  # a plain object inside a plain object
    completed.clear()
    result = await _schema(True, extensions).execute(QUERIES["lists of values"])
    assert result.errors is None
    assert completed[0] is taken  # lists of values inside a plain object
    for name, fast in (("context only", taken), ("context only, awaitable", False)):
        completed.clear()
        result = await _schema(True, extensions).execute(
            QUERIES[name], context_value={"prefix": "p"}
        )
        assert result.errors is None
        assert completed[0] is fast, name
