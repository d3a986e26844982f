"""Compile a policy's row decision into one SQL condition for the statement that fetches.

A condition on the row becomes a WHERE on the row's table. Conditions on a grant select the
candidate lines of the current agreements once (a materialised CTE); a row then qualifies by
membership: its columns IN the lines' columns, one uncorrelated subquery per combination of
the policy's choices, so the database hashes the lines once rather than rescanning them per
row. Where the policy links row and line other than by equality, a correlated EXISTS.
"""

import itertools
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
)

from hub.authz.constraints import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Field,
    Not,
    RowDecision,
    Value,
    factor,
    variables,
)

Fields = Mapping[str, ColumnElement[Any]]
GrantLines = Callable[[], FromClause]
GRANT = "grant"


class UnknownField(RuntimeError):
    """A policy named a field the SQL side does not expose; refuse rather than guess."""


def _column(field: Field, scope: Mapping[str, Fields]) -> ColumnElement[Any]:
    try:
        return scope[field.var][field.name]
    except KeyError as error:
        raise UnknownField(
            f"the policy reads {field.var}.{field.name}, which is unknown"
        ) from error


def _side(
    term: Field | Value, other: Field | Value, scope: Mapping[str, Fields]
) -> ColumnElement[Any]:
    if isinstance(term, Field):
        return _column(term, scope)
    if isinstance(other, Field):  # bind the value with the column's type (enums, dates)
        return literal(term.value, _column(other, scope).type)
    return literal(term.value)


def _compare(c: Compare, scope: Mapping[str, Fields]) -> ColumnElement[bool]:
    for side, other in ((c.left, c.right), (c.right, c.left)):
        if isinstance(side, Value) and side.value is None and c.op in ("eq", "ne"):
            column = _side(other, side, scope)
            return column.is_(None) if c.op == "eq" else column.is_not(None)
    left, right = _side(c.left, c.right, scope), _side(c.right, c.left, scope)
    match c.op:
        case "eq":
            return left == right
        case "ne":
            return left != right
        case "lt":
            return left < right
        case "le":
            return left <= right
        case "gt":
            return left > right
        case "ge":
            return left >= right
    raise ValueError(f"unknown comparison {c.op}")


def compile_condition(condition: Condition, scope: Mapping[str, Fields]) -> ColumnElement[bool]:
    if isinstance(condition, Compare):
        return _compare(condition, scope)
    if isinstance(condition, Not):
        return not_(compile_condition(condition.part, scope))
    parts = [compile_condition(p, scope) for p in condition.parts]
    if isinstance(condition, AnyOf):
        return or_(false(), *parts)
    return and_(true(), *parts)


def _uses_grant(alternative: AllOf) -> bool:
    return any(GRANT in variables(p) for p in alternative.parts)


def factorise(alternatives: list[AllOf]) -> list[list[AllOf]]:
    """The alternatives as an AND of ORs: their product structure where there is one, else
    the parts they all share, each alone, and the rest of each alternative."""
    factors = factor(alternatives)
    if len(factors) > 1:
        return factors
    shared = set.intersection(*(set(a.parts) for a in alternatives))
    alone = [[AllOf((p,))] for p in alternatives[0].parts if p in shared]
    rest = [AllOf(tuple(p for p in a.parts if p not in shared)) for a in alternatives]
    return alone + ([rest] if any(r.parts for r in rest) else [])


def _any_of(choices: list[AllOf], scope: Mapping[str, Fields]) -> ColumnElement[bool]:
    return or_(false(), *(compile_condition(choice, scope) for choice in choices))


def _candidates(
    decision: RowDecision, grants: GrantLines
) -> tuple[FromClause, list[list[AllOf]]] | None:
    """The candidate grant lines (a materialised CTE) and the factors still to check against
    each row; None where no alternative needs a grant."""
    needing = [a for a in decision.alternatives if _uses_grant(a)]
    if not needing:
        return None
    factors = factorise(needing)
    about_line = [f for f in factors if all(variables(c) == {GRANT} for c in f)]
    about_row = [f for f in factors if f not in about_line]
    # What depends on the grant line alone (recipient, purpose, state, dates) selects the
    # candidate lines once per statement, materialised; the check made for each row then
    # looks at a handful of lines rather than the whole join.
    lines = grants()
    # Only the columns the row checks read (and the version, for the access record): a
    # national caller's candidates are thousands of lines, materialised once per statement.
    kept = {"authority_id", "version_id"} | _grant_fields(about_row)
    candidates = (
        select(*(c for c in lines.c if c.key in kept))
        .where(*(_any_of(f, {GRANT: {c.key: c for c in lines.c}}) for f in about_line))
        .cte()
        .prefix_with("MATERIALIZED")
    )
    return candidates, about_row


def _grant_fields(factors: list[list[AllOf]]) -> set[str]:
    found: set[str] = set()

    def visit(condition: Condition) -> None:
        if isinstance(condition, Compare):
            found.update(
                t.name
                for t in (condition.left, condition.right)
                if isinstance(t, Field) and t.var == GRANT
            )
        elif isinstance(condition, Not):
            visit(condition.part)
        else:
            for part in condition.parts:
                visit(part)

    for choices in factors:
        for choice in choices:
            visit(choice)
    return found


def _grant_query(
    decision: RowDecision,
    row: Fields,
    grants: GrantLines,
    columns: Callable[[FromClause], list[ColumnElement[Any]]],
) -> Select[Any] | None:
    found = _candidates(decision, grants)
    return None if found is None else _lines_granting(*found, row, columns)


def _lines_granting(
    candidates: FromClause,
    about_row: list[list[AllOf]],
    row: Fields,
    columns: Callable[[FromClause], list[ColumnElement[Any]]],
) -> Select[Any]:
    """The candidate lines that grant the row (a correlated subquery)."""
    scope = {"row": row, GRANT: {c.key: c for c in candidates.c}}
    return (
        select(*columns(candidates))
        .select_from(candidates)
        .where(*(_any_of(f, scope) for f in about_row))
        .correlate_except(candidates)
    )


# Past this many combinations of the row's choices, the correlated EXISTS is kept.
MAX_MEMBERSHIPS = 16


def _combinations(factors: list[list[AllOf]]) -> list[AllOf] | None:
    """The AND of ORs multiplied out (each combination one conjunction), or None if large."""
    count = 1
    for f in factors:
        count *= len(f)
    if count > MAX_MEMBERSHIPS:
        return None
    return [
        AllOf(tuple(part for choice in combo for part in choice.parts))
        for combo in itertools.product(*factors)
    ]


def _membership(
    alternative: AllOf, row: Fields, candidates: FromClause
) -> ColumnElement[bool] | None:
    """One combination as `<row conditions> AND (row columns) IN (SELECT grant columns FROM
    candidates WHERE <grant conditions>)`; None where a part links row and grant other than
    by equality. The subquery is uncorrelated, so the database builds its set (a hash, an
    index) once per statement and each row costs one probe, where a correlated EXISTS
    rescans a row's lines: about 3-6x the whole statement on a region's panel."""
    grant_scope = {GRANT: {c.key: c for c in candidates.c}}
    on_row: list[ColumnElement[bool]] = []
    on_grant: list[ColumnElement[bool]] = []
    pairs: list[tuple[ColumnElement[Any], ColumnElement[Any]]] = []
    for part in alternative.parts:
        names = variables(part)
        if GRANT not in names:
            on_row.append(compile_condition(part, {"row": row}))
        elif names == {GRANT}:
            on_grant.append(compile_condition(part, grant_scope))
        elif (
            isinstance(part, Compare)
            and part.op == "eq"
            and isinstance(part.left, Field)
            and isinstance(part.right, Field)
        ):
            mine, theirs = (
                (part.left, part.right) if part.right.var == GRANT else (part.right, part.left)
            )
            pairs.append((_column(mine, {"row": row}), _column(theirs, grant_scope)))
        else:
            return None
    lines = select(*([theirs for _, theirs in pairs] or [literal(1)])).select_from(candidates)
    lines = lines.where(*on_grant).correlate_except(candidates)
    if not pairs:
        member: ColumnElement[bool] = exists(lines)
    elif len(pairs) == 1:
        member = pairs[0][0].in_(lines)
    else:
        member = tuple_(*(mine for mine, _ in pairs)).in_(lines)
    return and_(true(), *on_row, member)


def _links(alternative: AllOf) -> int:
    return sum(variables(part) == {"row", GRANT} for part in alternative.parts)


def _granted(
    candidates: FromClause, about_row: list[list[AllOf]], row: Fields
) -> ColumnElement[bool]:
    """The condition that some candidate line grants the row: memberships where the policy's
    links between row and line are equalities (hashable), else one correlated EXISTS."""
    combinations = _combinations(about_row)
    if combinations is not None:
        tests = [_membership(c, row, candidates) for c in combinations]
        if all(t is not None for t in tests):
            # The narrowest links first: fewer columns to compute and compare per row.
            ordered = sorted(zip(combinations, tests, strict=True), key=lambda ct: _links(ct[0]))
            return or_(false(), *(t for _, t in ordered if t is not None))
    return exists(_lines_granting(candidates, about_row, row, lambda lines: [literal(1)]))


def _without_grant(decision: RowDecision, row: Fields) -> list[ColumnElement[bool]]:
    """The alternatives that need no agreement line (e.g. an authority's own data), each as a
    plain condition on the row."""
    return [
        and_(true(), *(compile_condition(p, {"row": row}) for p in a.parts))
        for a in decision.alternatives
        if not _uses_grant(a)
    ]


def row_filter(decision: RowDecision, row: Fields, grants: GrantLines) -> ColumnElement[bool]:
    """The WHERE condition a row must meet to be returned."""
    return row_filter_granting(decision, row, grants)[0]


def row_filter_granting(
    decision: RowDecision, row: Fields, grants: GrantLines
) -> tuple[ColumnElement[bool], Select[Any] | None]:
    """The WHERE condition, and (authority_id, version_id) of the candidate lines it reads,
    by authority: the versions `candidate_versions` finds, read from the same materialised
    lines, so that a statement can name them beside its rows (None: no agreement involved)."""
    direct = _without_grant(decision, row)
    found = _candidates(decision, grants)
    if found is None:
        return or_(false(), *direct), None
    candidates, about_row = found
    direct.append(_granted(candidates, about_row, row))
    versions = select(
        candidates.c.authority_id, func.min(candidates.c.version_id).label("version_id")
    ).group_by(candidates.c.authority_id)
    return or_(false(), *direct), versions


def row_filter_probing(
    decision: RowDecision, row: Fields, grants: GrantLines
) -> ColumnElement[bool]:
    """The same condition as `row_filter`, as one correlated EXISTS on the grant lines
    themselves (no CTE): for a statement whose caller knows its rows are few (one indicator
    and period: a few hundred) while the candidate lines are thousands (every agreement that
    allows aggregates). There, building the memberships' sets from every candidate line costs
    more than looking up each row's authority's lines: SQLite's national quartiles took 16-18
    ms that way and 8.6-9.6 probing, by the lines' authority index. The policy's parts every
    alternative shares (the authority link, the line's own conditions) stay top-level ANDs
    inside the EXISTS, where the database can use them to find a row's lines."""
    direct = _without_grant(decision, row)
    needing = [a for a in decision.alternatives if _uses_grant(a)]
    if needing:
        lines = grants()
        scope = {"row": row, GRANT: {c.key: c for c in lines.c}}
        found = select(literal(1)).select_from(lines).correlate_except(lines)
        # Within each choice, the fewest links between row and line first: SQLite stops at
        # the first choice that holds, and a link may be a subquery (an observation's theme).
        factors = [sorted(f, key=_links) for f in factorise(needing)]
        found = found.where(*(_any_of(f, scope) for f in factors))
        direct.append(exists(found))
    return or_(false(), *direct)


def granted_by(decision: RowDecision, row: Fields, grants: GrantLines) -> ColumnElement[Any]:
    """The agreement version that lets a row through (the lowest id where several do), or
    NULL where a rule allows it without an agreement (e.g. an authority's own data)."""
    granted = _grant_query(decision, row, grants, lambda lines: [func.min(lines.c.version_id)])
    # A typed NULL: PostgreSQL cannot infer the type of a bare NULL parameter.
    return literal(None, Integer()) if granted is None else granted.scalar_subquery()


def candidate_versions(
    decision: RowDecision, grants: GrantLines
) -> tuple[Select[Any], ColumnElement[int]] | None:
    """(authority_id, version_id) of the agreement lines that can share rows with the caller:
    those meeting every condition the policy puts on a line alone; with the authority column,
    which the caller restricts. Only a current version can be in force, so an authority has
    one such version at most."""
    needing = [a for a in decision.alternatives if _uses_grant(a)]
    if not needing:
        return None
    lines = grants()
    scope = {GRANT: {c.key: c for c in lines.c}}
    about_line = [f for f in factorise(needing) if all(variables(c) == {GRANT} for c in f)]
    stmt = (
        select(lines.c.authority_id, func.min(lines.c.version_id).label("version_id"))
        .where(*(_any_of(f, scope) for f in about_line))
        .group_by(lines.c.authority_id)
    )
    return stmt, lines.c.authority_id
