"""The fast path for lists of values answers exactly what graphql-core's ordinary path does,
errors included."""

from enum import Enum
from typing import Any

import pytest
import strawberry

from hub.graphql.execution import LeafListExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


async def _twice() -> float:
    return 2.0


@strawberry.type
class Query:
    @strawberry.field
    def floats(self) -> list[float | None]:
        return [1.5, None, 3, 2.25]

    @strawberry.field
    def strict(self) -> list[float]:
        return [1.0, None, 3.0]  # type: ignore[list-item]  # a null where none is allowed

    @strawberry.field
    def infinite(self) -> list[float | None]:
        return [1.5, float("inf"), float("nan"), True, 2]  # not finite: errors on those items

    @strawberry.field
    def booleans(self) -> list[bool | None]:
        return [True, None, 0, 1, "yes", False]  # type: ignore[list-item]  # coerced or refused

    @strawberry.field
    def strings(self) -> list[str]:
        return ["a", 1, 2.5, True]  # type: ignore[list-item]  # coerced to strings

    @strawberry.field
    def refused(self) -> list[int | None]:
        return [1, "x", 3]  # type: ignore[list-item]  # not an Int: an error on that item

    @strawberry.field
    def colours(self) -> list[Colour]:
        return [Colour.RED, Colour.BLUE, Colour.RED]

    @strawberry.field
    def values(self) -> list[Colour | None]:
        return ["red", None, "blue"]  # type: ignore[list-item]  # values as rows hold them

    @strawberry.field
    def pending(self) -> list[float]:
        return [_twice(), 1.0]  # type: ignore[list-item]  # awaitables: the ordinary path


ORDINARY = strawberry.Schema(query=Query)
FAST = strawberry.Schema(query=Query, execution_context_class=LeafListExecutionContext)


@pytest.mark.parametrize(
    "field",
    [
        "floats",
        "strict",
        "infinite",
        "booleans",
        "strings",
        "refused",
        "colours",
        "values",
        "pending",
    ],
)
async def test_the_fast_path_answers_as_the_ordinary_one(field: str) -> None:
    query = f"{{ {field} }}"
    expected, found = await ORDINARY.execute(query), await FAST.execute(query)

    def shape(result: Any) -> Any:
        errors = [(e.message, e.path) for e in result.errors or []]
        return result.data, errors

    assert shape(found) == shape(expected)
    assert (found.errors is None) == (
        field in {"floats", "strings", "colours", "values", "pending"}
    )
