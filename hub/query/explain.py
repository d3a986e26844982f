"""Why may (or may not) an organisation receive an authority's data? Answered by the policy.

The question is put to the same compiled policy that filters every list, for a hypothetical
record with the given authority, source, theme and status. When it is denied, each condition
of the policy is checked against the authority's agreement lines, and the ones that fail are
named: the reasons come from the policy, not from a second copy of its logic.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, literal, or_, select, true, union_all

from hub.auth.principal import AuthenticatedPrincipal
from hub.authz import AccessRequest, Action, Gate, Kind
from hub.authz.constraints import AllOf, variables
from hub.authz.describe import describe
from hub.authz.relations import grant_lines
from hub.authz.sql import compile_condition, factorise
from hub.models import (
    Agreement,
    AgreementVersion,
    Authority,
    Organisation,
    Principal,
    Region,
    Source,
    Theme,
)
from hub.models.enums import ObservationStatus, OrganisationKind, Purpose, Role
from hub.query.reader import Reader

# The role assumed for an organisation when the question names none.
TYPICAL_ROLE = {
    OrganisationKind.RIEP: Role.RIEP_ANALYST,
    OrganisationKind.IDEA: Role.IDEA_ANALYST,
    OrganisationKind.AUTHORITY: Role.AUTHORITY_OFFICER,
    OrganisationKind.INSPECTORATE: Role.SUBMITTER,
    OrganisationKind.GOVERNMENT_OFFICE: Role.SUBMITTER,
    OrganisationKind.AUDITOR: Role.AUDITOR,
    OrganisationKind.HUB: Role.HUB_ADMIN,
}


class ExplainError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class AccessQuestion:
    organisation: str
    authority: str
    purpose: Purpose
    source: str | None = None
    theme: str | None = None
    role: Role | None = None
    status: ObservationStatus = ObservationStatus.FINAL
    principal: str | None = None  # a principal of the organisation, by name: its role applies


@dataclass(frozen=True, slots=True)
class Explanation:
    allowed: bool
    role: Role
    granted_by: tuple[tuple[str, int], ...]  # (agreement reference, version)
    reasons: tuple[str, ...]


async def _principal_role(reader: Reader, organisation_id: int, name: str) -> tuple[int, Role]:
    found = await reader.rows(
        select(Principal.id, Principal.role).where(
            Principal.organisation_id == organisation_id, Principal.name == name
        )
    )
    if not found:
        raise ExplainError(f"the organisation has no principal named {name!r}")
    return found[0].id, found[0].role


async def _subject(
    reader: Reader, code: str, role: Role | None, principal: str | None = None
) -> AuthenticatedPrincipal:
    found = await reader.rows(
        select(
            Organisation.id, Organisation.kind, Organisation.region_id, Organisation.authority_id
        ).where(Organisation.code == code)
    )
    if not found:
        raise ExplainError(f"unknown organisation: {code}")
    org = found[0]
    principal_id, chosen = 0, role or TYPICAL_ROLE.get(org.kind)
    if principal is not None:
        principal_id, chosen = await _principal_role(reader, org.id, principal)
    if chosen is None:
        raise ExplainError(f"say which role of {code} to explain for")
    return AuthenticatedPrincipal(
        principal_id=principal_id,
        name=principal or f"{code}:{chosen.value} (hypothetical)",
        role=chosen,
        organisation_id=org.id,
        organisation_code=code,
        organisation_kind=org.kind,
        region_id=org.region_id,
        authority_id=org.authority_id,
        token_id=0,
    )


async def _record(reader: Reader, q: AccessQuestion) -> dict[str, ColumnElement[Any]]:
    """The hypothetical record the question is about, as SQL literals."""
    authority = await reader.rows(
        select(Authority.id).where(
            (Authority.gss_code == q.authority) | (Authority.code == q.authority)
        )
    )
    if not authority:
        raise ExplainError(f"unknown authority: {q.authority}")
    source_id = owner = theme = None
    if q.source is not None:
        source = await reader.rows(
            select(Source.id, Source.organisation_id, Source.theme_code).where(
                Source.code == q.source
            )
        )
        if not source:
            raise ExplainError(f"unknown source: {q.source}")
        source_id, owner, theme = source[0].id, source[0].organisation_id, source[0].theme_code
    if q.source is None and q.theme is None:
        raise ExplainError("name a source, a theme or both")
    values = {
        "id": 0,
        "authority_id": authority[0].id,
        "source_id": source_id,
        "source_organisation_id": owner,
        "theme_code": q.theme or theme,
        "status": q.status.value,
    }
    return {name: literal(value) for name, value in values.items()}


async def _failed_conditions(
    reader: Reader, gate: Gate, record: dict[str, ColumnElement[Any]]
) -> list[str]:
    """The policy's conditions that do not hold: for rules needing no agreement, on the record;
    for the others, on the authority's agreement line that comes closest."""
    decision = gate.decision(Action.READ, Kind.OBSERVATION)
    reasons = []
    for alternative in decision.alternatives:
        if not any("grant" in variables(p) for p in alternative.parts):
            checks = [compile_condition(p, {"row": record}) for p in alternative.parts]
            held = (await reader.rows(select(*checks)))[0]
            failed = [describe(p) for i, p in enumerate(alternative.parts) if not held[i]]
            reasons.append("a rule without an agreement needs: " + "; ".join(failed))
    needing = [a for a in decision.alternatives if any("grant" in variables(p) for p in a.parts)]
    if needing:
        reasons.append(await _closest_miss(reader, factorise(needing), record))
    return reasons


async def _closest_miss(
    reader: Reader, factors: list[list[AllOf]], record: dict[str, ColumnElement[Any]]
) -> str:
    """Each factor (one of its choices must hold), checked on each of the authority's lines."""
    lines = grant_lines()
    scope: dict[str, dict[str, ColumnElement[Any]]] = {
        "row": record,
        "grant": {c.key: c for c in lines.c},
    }
    checks = [
        or_(false(), *(compile_condition(c, scope) for c in f)).label(f"f{i}")
        for i, f in enumerate(factors)
    ]
    stmt = select(lines.c.version_id, *checks).where(lines.c.authority_id == record["authority_id"])
    rows = await reader.rows(stmt)
    if not rows:
        return "the authority has no information-sharing agreement"
    best = max(rows, key=lambda r: sum(1 for i in range(len(checks)) if r[i + 1]))
    failed = [
        " or ".join(describe(choice) for choice in f)
        for i, f in enumerate(factors)
        if not best[i + 1]
    ]
    ref = await _reference(reader, best.version_id)
    return f"closest agreement line ({ref}) fails: " + "; ".join(failed)


async def _reference(reader: Reader, version_id: int) -> str:
    stmt = (
        select(Agreement.reference, AgreementVersion.version, AgreementVersion.state)
        .join(Agreement, Agreement.id == AgreementVersion.agreement_id)
        .where(AgreementVersion.id == version_id)
    )
    row = (await reader.rows(stmt))[0]
    return f"{row.reference} version {row.version}, {row.state.value}"


async def explain_access(reader: Reader, q: AccessQuestion, today: date) -> Explanation:
    """Would the policy let the organisation (in a role) receive such a record, and why."""
    subject = await _subject(reader, q.organisation, q.role, q.principal)
    gate = Gate(reader.authorizer, subject, AccessRequest(purpose=q.purpose.value, today=today))
    record = await _record(reader, q)
    allowed = gate.condition(Action.READ, Kind.OBSERVATION, record).label("allowed")
    version = gate.granted_by(Action.READ, Kind.OBSERVATION, fields=record).label("version_id")
    answer = (await reader.rows(select(allowed, version)))[0]
    if answer.allowed:
        if answer.version_id is None:
            reason = "allowed by a rule that needs no agreement (e.g. an authority's own data)"
            return Explanation(True, subject.role, (), (reason,))
        ref = await _reference(reader, answer.version_id)
        return Explanation(True, subject.role, (_ref_pair(ref),), (f"granted by {ref}",))
    if gate.decision(Action.READ, Kind.OBSERVATION).denies_all:
        reason = f"the policies give the role {subject.role.value} no access to performance records"
        return Explanation(False, subject.role, (), (reason,))
    return Explanation(
        False, subject.role, (), tuple(await _failed_conditions(reader, gate, record))
    )


def _ref_pair(described: str) -> tuple[str, int]:
    reference, _, rest = described.partition(" version ")
    return reference, int(rest.split(",")[0])


@dataclass(frozen=True, slots=True)
class AccessCell:
    authority: str  # GSS code
    theme: str
    allowed: bool
    version_id: int | None


def _pairs() -> Any:
    """Every (source, theme) a record can have: a source's own theme, or any theme for a source
    without one (a Government Office's national indicators span themes)."""
    themed = select(
        Source.id.label("source_id"), Source.organisation_id, Source.theme_code.label("theme")
    ).where(Source.theme_code.is_not(None))
    spanning = (
        select(Source.id.label("source_id"), Source.organisation_id, Theme.code.label("theme"))
        .select_from(Source)
        .join(Theme, true())
        .where(Source.theme_code.is_(None))
    )
    return union_all(themed, spanning).subquery("pair")


async def access_matrix(
    reader: Reader,
    *,
    organisation: str,
    purpose: Purpose,
    today: date,
    role: Role | None = None,
    region: str | None = None,
) -> tuple[Role, list[AccessCell]]:
    """Authorities x themes: may the organisation receive final records of that theme, and
    under which agreement version. One statement, evaluated by the compiled policy."""
    subject = await _subject(reader, organisation, role)
    gate = Gate(reader.authorizer, subject, AccessRequest(purpose=purpose.value, today=today))
    pair = _pairs()
    record: dict[str, ColumnElement[Any]] = {
        "id": literal(0),
        "authority_id": Authority.__table__.c.id,
        "source_id": pair.c.source_id,
        "source_organisation_id": pair.c.organisation_id,
        "theme_code": pair.c.theme,
        "status": literal(ObservationStatus.FINAL.value),
    }
    allowed = gate.condition(Action.READ, Kind.OBSERVATION, record)
    version = gate.granted_by(Action.READ, Kind.OBSERVATION, fields=record)
    stmt = (
        select(
            Authority.gss_code,
            pair.c.theme,
            func.max(case((allowed, 1), else_=0)).label("allowed"),
            func.min(version).label("version_id"),
        )
        .select_from(Authority)
        .join(pair, true())
        .group_by(Authority.gss_code, pair.c.theme)
        .order_by(Authority.gss_code, pair.c.theme)
    )
    if region is not None:
        stmt = stmt.join(Region, Region.id == Authority.region_id).where(Region.code == region)
    rows = await reader.rows(stmt)
    cells = [AccessCell(r.gss_code, r.theme, bool(r.allowed), r.version_id) for r in rows]
    return subject.role, cells
