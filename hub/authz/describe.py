"""Policy conditions as text, for explanations: `grant.state = 'active'`."""

from hub.authz.constraints import AllOf, AnyOf, Compare, Condition, Field, Not, Value

_SYMBOLS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _term(term: Field | Value) -> str:
    if isinstance(term, Field):
        return f"{term.var}.{term.name}"
    return "nil" if term.value is None else repr(getattr(term.value, "value", term.value))


def describe(condition: Condition) -> str:
    if isinstance(condition, Compare):
        return f"{_term(condition.left)} {_SYMBOLS[condition.op]} {_term(condition.right)}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    if isinstance(condition, AnyOf | AllOf) and not condition.parts:
        return "true" if isinstance(condition, AllOf) else "false"
    return "(" + joiner.join(describe(p) for p in condition.parts) + ")"
