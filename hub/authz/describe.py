"""Policy conditions as text, for explanations: `grant.state = 'active'`."""

from datetime import date

from hub.authz.constraints import AllOf, AnyOf, Compare, Condition, Field, Not, Value

_SYMBOLS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _term(term: Field | Value) -> str:
    if isinstance(term, Field):
        return f"{term.var}.{term.name}"
    if term.value is None:
        return "nil"
    if isinstance(term.value, date):
        return term.value.isoformat()
    return repr(getattr(term.value, "value", term.value))


_MIRROR = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}


def describe(condition: Condition) -> str:
    if isinstance(condition, Compare):
        left, op, right = condition.left, condition.op, condition.right
        if isinstance(left, Value) and isinstance(right, Field):  # the field first reads better
            left, op, right = right, _MIRROR[op], left
        return f"{_term(left)} {_SYMBOLS[op]} {_term(right)}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part)})"
    if len(condition.parts) == 1:
        return describe(condition.parts[0])
    joiner = " and " if isinstance(condition, AllOf) else " or "
    if isinstance(condition, AnyOf | AllOf) and not condition.parts:
        return "true" if isinstance(condition, AllOf) else "false"
    return "(" + joiner.join(describe(p) for p in condition.parts) + ")"
