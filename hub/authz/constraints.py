"""A policy's answer for a list, as plain data: which rows may be returned.

The policy engine turns Polar's partial evaluation into these; hub.authz.sql turns these into
SQL. Neither side knows the other's types, so the engine could be swapped.
"""

from dataclasses import dataclass, field


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
    # Decisions key the cache of compiled SQL, once or more per request; hashing the nested
    # alternatives each time cost about a millisecond.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self.alternatives))

    def __hash__(self) -> int:
        return self._hash

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


def factor(alternatives: list[AllOf]) -> list[list[AllOf]]:
    """Write an OR of ANDs as an AND of ORs where it is a product of independent choices.

    A policy whose rules each offer a few ways to hold (two for a date, three for coverage)
    partially evaluates to every combination: 2 x 2 x 3 x 2 alternatives. Recovering the
    product keeps the SQL small. Atoms in different factors occur independently; the result
    is checked to multiply back to exactly the input, else the input is returned as one factor.
    """
    rows = [frozenset(a.parts) for a in alternatives]
    total = len(rows)
    atoms = sorted({p for r in rows for p in r}, key=repr)
    if total < 2 or not atoms:
        return [alternatives]
    seen = {p: frozenset(i for i, r in enumerate(rows) if p in r) for p in atoms}
    groups = _dependent_groups(atoms, seen, total)
    factors = [sorted({r & group for r in rows}, key=sorted_repr) for group in groups]
    product = 1
    for f in factors:
        product *= len(f)
    if (
        len(factors) < 2
        or product != total
        or len(set(rows)) != total
        or not _covers_all(rows, factors)
    ):
        return [alternatives]
    return [[AllOf(tuple(sorted(choice, key=repr))) for choice in f] for f in factors]


def sorted_repr(parts: frozenset[Condition]) -> list[str]:
    return sorted(repr(p) for p in parts)


def _dependent_groups(
    atoms: list[Condition], seen: dict[Condition, frozenset[int]], total: int
) -> list[frozenset[Condition]]:
    """Atoms linked when their occurrences are not independent; the linked groups."""
    parent = {p: p for p in atoms}

    def root(p: Condition) -> Condition:
        while parent[p] != p:
            p = parent[p]
        return p

    for i, a in enumerate(atoms):
        for b in atoms[i + 1 :]:
            if len(seen[a] & seen[b]) * total != len(seen[a]) * len(seen[b]):
                parent[root(a)] = root(b)
    groups: dict[Condition, set[Condition]] = {}
    for p in atoms:
        groups.setdefault(root(p), set()).add(p)
    return [frozenset(g) for g in groups.values()]


def _covers_all(
    rows: list[frozenset[Condition]], factors: list[list[frozenset[Condition]]]
) -> bool:
    combos: set[frozenset[Condition]] = {frozenset()}
    for f in factors:
        combos = {c | choice for c in combos for choice in f}
    return combos == set(rows)
