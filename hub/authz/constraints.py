"""A policy's answer for a list, as plain data: which rows may be returned.

The policy engine turns Polar's partial evaluation into these; hub.authz.sql turns these into
SQL. Neither side knows the other's types, so the engine could be swapped.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    """An attribute of a row the policy reasons about: `record.authority_id`, `grant.state`."""

    var: str
    name: str


@dataclass(frozen=True, slots=True)
class Value:
    value: object


Term = Field | Value


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # one of OPERATORS
    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple["Condition", ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: "Condition"


Condition = Compare | AllOf | AnyOf | Not

OPERATORS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})


@dataclass(frozen=True, slots=True)
class RowDecision:
    """Rows are allowed where any alternative holds; no alternatives means deny everything.

    An alternative with no parts allows every row. Each alternative may speak of `grant`: the
    agreement line that allows the row, which must then exist.
    """

    alternatives: tuple[AllOf, ...]

    @property
    def denies_all(self) -> bool:
        return not self.alternatives


def variables(condition: Condition) -> frozenset[str]:
    """The variables a condition speaks of."""
    if isinstance(condition, Compare):
        return frozenset(t.var for t in (condition.left, condition.right) if isinstance(t, Field))
    if isinstance(condition, Not):
        return variables(condition.part)
    return frozenset().union(*(variables(p) for p in condition.parts))
