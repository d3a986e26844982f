"""Authorisation: policies/*.polar decide; this package asks them and compiles the answers.

`Gate` is what the query layer holds for one request: it turns the policy's answer for a kind
of row into a SQL condition for the statement that fetches the rows. Only hub.authz.policy
imports oso.
"""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import sql
from hub.authz.constraints import RowDecision
from hub.authz.policy import Authorizer, UnsupportedPolicy
from hub.authz.relations import ROW_FIELDS, grant_lines
from hub.authz.resources import AccessRequest, SourceRef
from hub.authz.sql import Fields
from hub.memo import Memo

__all__ = [
    "DEFAULT_POLICY_DIR",
    "AccessRequest",
    "Action",
    "Authorizer",
    "Gate",
    "Kind",
    "SourceRef",
    "UnsupportedPolicy",
    "load_authorizer",
]

DEFAULT_POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class Action(StrEnum):
    """Every action the code asks the policies about (a test checks both ways)."""

    READ = "read"
    SUBMIT = "submit"
    MANAGE = "manage"
    RAISE = "raise"
    EXPLAIN = "explain"
    AGGREGATE = "aggregate"


class Kind(StrEnum):
    """Kinds of row a list can hold; the value is the class name the policies use."""

    REFERENCE = "Reference"
    OBSERVATION = "Observation"
    ASSESSMENT = "Assessment"
    FLAG = "Flag"
    AGREEMENT = "Agreement"
    CONCERN = "Concern"
    ACCESS_RECORD = "AccessRecord"
    ACCESS_TOUCH = "AccessTouch"
    ALERT = "Alert"


# The policy compiled to SQL, by what it depends on alone: the decision (itself a function of
# principal, action, request and kind), the kind and the table. Building it (factorising the
# alternatives, the grant-line CTE) cost a quarter of a small request when done per request.
# Only SQL expressions are kept, never agreement rows: the conditions read the agreement tables
# in the statement that uses them, so a withdrawal still takes effect on the next request. The
# policy's values are bound parameters, so SQLAlchemy's compiled cache serves every caller.
_COMPILED = Memo(4096)


def load_authorizer(policy_dir: Path | None = None) -> Authorizer:
    return Authorizer(policy_dir or DEFAULT_POLICY_DIR)


@dataclass(frozen=True, slots=True)
class Gate:
    """The policy as it applies to one request: who asks, for what purpose, on which day."""

    authorizer: Authorizer
    principal: AuthenticatedPrincipal
    request: AccessRequest

    def _fields(self, kind: Kind, table: Table | None) -> Fields:
        if kind is Kind.REFERENCE:
            return {}
        if table is None:
            raise ValueError(f"rows of {kind} need their table")
        return ROW_FIELDS[kind.value](table)

    def decision(self, action: Action, kind: Kind) -> RowDecision:
        return self.authorizer.row_decision(self.principal, action, self.request, kind)

    def rows(
        self, action: Action, kind: Kind, table: Table | None = None, *, few_rows: bool = False
    ) -> ColumnElement[bool]:
        """The condition a row of `table` must meet to be returned (built once per decision).
        `few_rows`: the caller bounds its rows to a few hundred (one indicator and period),
        so each row probes its own grant lines (`sql.row_filter_probing`) rather than the
        statement hashing every candidate line; the same rows either way."""
        if few_rows:
            decision = self.decision(action, kind)
            return _COMPILED.get(
                ("probing", decision, kind, table),
                lambda: sql.row_filter_probing(decision, self._fields(kind, table), grant_lines),
            )
        return self._rows_granting(action, kind, table)[0]

    def versions_beside(self, action: Action, kind: Kind, table: Table) -> Select[Any] | None:
        """(authority_id, version_id) by authority, as `granting_versions` finds them but read
        from the lines the condition of `rows` materialises: a statement holding both names
        the versions beside its rows, in the same snapshot, with no statement more."""
        return self._rows_granting(action, kind, table)[1]

    def _rows_granting(
        self, action: Action, kind: Kind, table: Table | None
    ) -> tuple[ColumnElement[bool], Select[Any] | None]:
        decision = self.decision(action, kind)
        return _COMPILED.get(
            ("rows", decision, kind, table),
            lambda: sql.row_filter_granting(decision, self._fields(kind, table), grant_lines),
        )

    def condition(self, action: Action, kind: Kind, fields: Fields) -> ColumnElement[bool]:
        """The same condition for a row given as SQL expressions (e.g. literals, to explain)."""
        return sql.row_filter(self.decision(action, kind), fields, grant_lines)

    def granted_by(
        self, action: Action, kind: Kind, table: Table | None = None, fields: Fields | None = None
    ) -> ColumnElement[Any]:
        """The agreement version id that grants a row (NULL where no agreement is needed)."""
        decision = self.decision(action, kind)
        if fields is not None:
            return sql.granted_by(decision, fields, grant_lines)
        return _COMPILED.get(
            ("granted_by", decision, kind, table),
            lambda: sql.granted_by(decision, self._fields(kind, table), grant_lines),
        )

    def granting_versions(
        self, action: Action, kind: Kind, authority_ids: list[int]
    ) -> Select[Any] | None:
        """(authority_id, version_id): the agreement version under which each authority's rows
        reach the caller, or None where no agreement is involved."""
        decision = self.decision(action, kind)
        found = _COMPILED.get(
            ("versions", decision), lambda: sql.candidate_versions(decision, grant_lines)
        )
        if found is None:
            return None
        stmt, authority_id = found
        # An expanding parameter: one cached statement whatever the number of authorities.
        return stmt.where(
            authority_id.in_(bindparam("authority_ids", authority_ids, expanding=True))
        )

    def allows(self, action: Action, resource: object) -> bool:
        return self.authorizer.is_allowed(self.principal, action, resource)

    def field_allowed(self, action: Action, kind: Kind, field: str) -> bool:
        """Fields a rule `allow_field` names may be hidden from some callers of visible rows."""
        return self.authorizer.field_allowed(self.principal, action, kind, field)
