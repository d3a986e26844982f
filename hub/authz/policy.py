"""The policy engine: the only module that imports oso.

Single objects are decided with `allow(actor, action, resource)`. Lists are decided with
`allow_row(actor, action, request, row, grant)` evaluated with the row (and the grant that
may allow it) unknown: Polar answers with conditions on their fields, which we keep as
hub.authz.constraints data for hub.authz.sql to compile into the statement that fetches.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from opentelemetry import trace
from oso import Oso
from polar import Variable
from polar.expression import Expression, Pattern
from polar.partial import TypeConstraint

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz.constraints import AllOf, AnyOf, Compare, Condition, Field, Not, RowDecision, Value
from hub.authz.resources import POLICY_CLASSES, AccessRequest

_COMPARISONS = {
    "Unify": "eq",
    "Eq": "eq",
    "Neq": "ne",
    "Lt": "lt",
    "Leq": "le",
    "Gt": "gt",
    "Geq": "ge",
}
ROW, GRANT = "row", "grant"


class UnsupportedPolicy(RuntimeError):
    """A rule produced a condition we cannot turn into SQL; we refuse rather than guess."""


def _term(value: Any, this: str) -> Field | Value:
    if isinstance(value, Expression) and value.operator == "Dot":
        target, name = value.args
        if not isinstance(target, Variable):
            raise UnsupportedPolicy(f"nested attribute lookup {value} is not supported")
        var = str.__str__(target)  # Variable prints as its repr
        return Field(this if var == "_this" else var, str(name))
    if isinstance(value, Expression | Variable | Pattern):
        raise UnsupportedPolicy(f"cannot compile {value}")
    return Value(value)


def _condition(expr: Expression, this: str) -> Condition | None:
    op = expr.operator
    if op == "Isa":
        if isinstance(expr.args[0], Variable):
            return None  # the type of the row or grant: already fixed by the query
        raise UnsupportedPolicy(f"type checks on attributes are not supported: {expr}")
    if op in _COMPARISONS:
        left, right = (_term(arg, this) for arg in expr.args)
        return Compare(_COMPARISONS[op], left, right)
    if op == "Not":
        inner = _condition(expr.args[0], this)
        if inner is None:
            raise UnsupportedPolicy(f"cannot negate a type check: {expr}")
        return Not(inner)
    if op in ("And", "Or"):
        parts = tuple(c for c in (_condition(a, this) for a in expr.args) if c is not None)
        return AllOf(parts) if op == "And" else AnyOf(parts)
    raise UnsupportedPolicy(f"operator {op} is not supported in list rules")


def _alternative(bindings: dict[str, Any]) -> AllOf:
    parts: dict[Condition, None] = {}
    for name in (ROW, GRANT):
        expr = bindings.get(name)
        if expr is None:
            continue
        if not isinstance(expr, Expression):
            raise UnsupportedPolicy(f"a rule bound the {name} to a value: {expr!r}")
        condition = _condition(expr, name)
        for part in condition.parts if isinstance(condition, AllOf) else (condition,):
            if part is not None:
                parts[part] = None
    return AllOf(tuple(parts))


class Authorizer:
    """Loads the policies once. Decisions depend only on their inputs, never on stored data,
    so caching them cannot make a revoked agreement linger: the SQL they compile to reads
    the agreement tables on every request."""

    def __init__(self, policy_dir: Path) -> None:
        self._oso = Oso()
        for cls in (AuthenticatedPrincipal, *POLICY_CLASSES):
            self._oso.register_class(cls)
        files: list[Path | str] = sorted(policy_dir.glob("*.polar"))
        if not files:
            raise RuntimeError(f"no policies found in {policy_dir}")
        self._oso.load_files(files)
        self._decisions: dict[tuple[Any, ...], RowDecision] = {}
        # Equal decisions as one object. Compiled SQL is cached under the decision, and a
        # lookup under an equal but distinct one (another principal of the same organisation
        # and role) compares the whole tree, about a quarter of a millisecond each time, where
        # the same object compares at once.
        self._shared: dict[RowDecision, RowDecision] = {}
        self._purposes: dict[AuthenticatedPrincipal, str | None] = {}

    def is_allowed(self, actor: AuthenticatedPrincipal, action: str, resource: object) -> bool:
        """Whether `actor` may do `action` on one object."""
        with trace.get_tracer("hub.policy").start_as_current_span("policy.allow") as span:
            allowed = bool(self._oso.is_allowed(actor, str(action), resource))
            span.set_attributes({"hub.action": str(action), "hub.role": actor.role.value})
            span.set_attribute("hub.allowed", allowed)
            return allowed

    def field_allowed(
        self, actor: AuthenticatedPrincipal, action: str, row_class: str, field: str
    ) -> bool:
        """Whether `actor` may `action` one field of rows it already receives."""
        return bool(
            self._oso.query_rule_once("allow_field", actor, str(action), str(row_class), field)
        )

    def default_purpose(self, actor: AuthenticatedPrincipal) -> str | None:
        """The purpose a request of `actor` states when it names none. Memoised per actor (a
        query of the policy engine per request cost more than the rest of the purpose check);
        like the row decisions, it depends on nothing but its input and the loaded policy."""
        try:
            return self._purposes[actor]
        except KeyError:
            pass
        found = None
        for result in self._oso.query_rule("default_purpose", actor, Variable("purpose")):
            found = str(result["bindings"]["purpose"])
            break
        if len(self._purposes) > 4096:
            self._purposes.clear()
        self._purposes[actor] = found
        return found

    def row_decision(
        self, actor: AuthenticatedPrincipal, action: str, request: AccessRequest, row_class: str
    ) -> RowDecision:
        """Which rows of `row_class` (a class the policies name) `actor` may `action`."""
        key = (actor, str(action), request, str(row_class))
        decision = self._decisions.get(key)
        with trace.get_tracer("hub.policy").start_as_current_span("policy.rows") as span:
            span.set_attributes(
                {
                    "hub.action": str(action),
                    "hub.kind": str(row_class),
                    "hub.role": actor.role.value,
                }
            )
            span.set_attribute("hub.cached", decision is not None)
            if decision is None:
                decision = self._evaluate(key)
            span.set_attribute("hub.alternatives", len(decision.alternatives))
        return decision

    def _evaluate(self, key: tuple[Any, ...]) -> RowDecision:
        actor, action, request, row_class = key
        decision = RowDecision(tuple(self._alternatives(actor, action, request, row_class)))
        if len(self._decisions) > 4096:
            self._decisions.clear()
            self._shared.clear()
        decision = self._shared.setdefault(decision, decision)
        self._decisions[key] = decision
        return decision

    def _alternatives(
        self, actor: AuthenticatedPrincipal, action: str, request: AccessRequest, row_class: str
    ) -> Iterable[AllOf]:
        row, grant = Variable(ROW), Variable(GRANT)
        results = self._oso.query_rule(
            "allow_row",
            actor,
            action,
            request,
            row,
            grant,
            bindings={ROW: TypeConstraint(row, row_class), GRANT: TypeConstraint(grant, "Grant")},
            accept_expression=True,
        )
        seen: set[AllOf] = set()
        for result in results:
            alternative = _alternative(result["bindings"])
            if alternative not in seen:
                seen.add(alternative)
                yield alternative
