"""Information-sharing agreements: create, amend, change state; every change a new version.

Versions are never edited: a change copies the current terms, applies the change, and becomes
the one current version, so the history of what was agreed is the list of versions.
Who may make these changes is for the policy to say (hub.authz); callers ask it first.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import (
    Agreement,
    AgreementCoverage,
    AgreementPurpose,
    AgreementRecipient,
    AgreementVersion,
    Authority,
    MutualityStatement,
    Organisation,
    Source,
    Theme,
)
from hub.models.enums import AgreementState, MutualityState, Purpose
from hub.signals.evaluate import after_mutuality

MAX_REFERENCE = 64  # agreement.reference
MAX_TEXT = 10_000  # lawful basis, retention, change note


class AgreementError(ValueError):
    """The change cannot be made as asked; the message says why."""


class AgreementNotFound(AgreementError):
    """No agreement has the reference given."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """What one line covers: a whole source, a theme across sources, or both together."""

    source: str | None = None
    theme: str | None = None


@dataclass(frozen=True, slots=True)
class AgreementTerms:
    state: AgreementState
    effective_from: date
    coverage: tuple[Coverage, ...]
    recipients: tuple[str, ...]  # organisation codes
    purposes: tuple[Purpose, ...]
    lawful_basis: str
    retention: str
    contact: str
    effective_to: date | None = None
    review_date: date | None = None
    include_provisional: bool = False
    allow_aggregates: bool = True
    change_note: str | None = None


def _check_terms(terms: AgreementTerms) -> None:
    problems = []
    if not terms.coverage:
        problems.append("at least one coverage line is needed")
    elif any(c.source is None and c.theme is None for c in terms.coverage):
        problems.append("each coverage line names a source, a theme or both")
    if not terms.recipients:
        problems.append("at least one recipient organisation is needed")
    if not terms.purposes:
        problems.append("at least one permitted purpose is needed")
    if terms.effective_to is not None and terms.effective_to < terms.effective_from:
        problems.append("effective_to is before effective_from")
    if terms.review_date is not None and terms.review_date < terms.effective_from:
        problems.append("review_date is before effective_from")
    for name, limit in (("lawful_basis", MAX_TEXT), ("retention", MAX_TEXT), ("contact", 255)):
        value = getattr(terms, name)
        if not value.strip():
            problems.append(f"{name} is required (ICO data sharing code)")
        elif len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    if terms.change_note is not None and len(terms.change_note) > MAX_TEXT:
        problems.append(f"the change note is longer than {MAX_TEXT} characters")
    if problems:
        raise AgreementError("; ".join(problems))


async def _ids(session: AsyncSession, model: type, codes: set[str], what: str) -> dict[str, int]:
    if not codes:
        return {}
    key = model.code  # type: ignore[attr-defined]
    ident = model.id  # type: ignore[attr-defined]
    rows = await session.execute(select(key, ident).where(key.in_(codes)))
    found: dict[str, int] = dict(rows.all())
    missing = sorted(codes - found.keys())
    if missing:
        raise AgreementError(f"unknown {what}: {', '.join(missing)}")
    return found


async def _themes(session: AsyncSession, codes: set[str]) -> None:
    known = set((await session.scalars(select(Theme.code).where(Theme.code.in_(codes)))).all())
    if codes - known:
        raise AgreementError(f"unknown theme: {', '.join(sorted(codes - known))}")


async def _add_version(
    session: AsyncSession, agreement: Agreement, number: int, terms: AgreementTerms, by: int | None
) -> AgreementVersion:
    _check_terms(terms)
    sources = await _ids(session, Source, {c.source for c in terms.coverage if c.source}, "source")
    await _themes(session, {c.theme for c in terms.coverage if c.theme})
    orgs = await _ids(session, Organisation, set(terms.recipients), "organisation")
    await session.execute(
        update(AgreementVersion)
        .where(AgreementVersion.agreement_id == agreement.id)
        .values(is_current=False)
    )
    version = AgreementVersion(
        agreement_id=agreement.id,
        version=number,
        is_current=True,
        state=terms.state,
        effective_from=terms.effective_from,
        effective_to=terms.effective_to,
        review_date=terms.review_date,
        include_provisional=terms.include_provisional,
        allow_aggregates=terms.allow_aggregates,
        lawful_basis=terms.lawful_basis,
        retention=terms.retention,
        contact=terms.contact,
        change_note=terms.change_note,
        created_by_id=by,
        coverage=[
            AgreementCoverage(source_id=sources.get(c.source or ""), theme_code=c.theme)
            for c in dict.fromkeys(terms.coverage)
        ],
        recipients=[
            AgreementRecipient(organisation_id=orgs[code]) for code in set(terms.recipients)
        ],
        purposes=[AgreementPurpose(purpose=p) for p in set(terms.purposes)],
    )
    session.add(version)
    try:
        await session.flush()
    except IntegrityError as error:  # another change made this version number first
        raise AgreementError("the agreement changed meanwhile; read it again and retry") from error
    return version


async def _authority(session: AsyncSession, code: str) -> tuple[int, str]:
    """An authority's id and three-letter code, by GSS or three-letter code."""
    found = (
        await session.execute(
            select(Authority.id, Authority.code).where(
                (Authority.gss_code == code) | (Authority.code == code)
            )
        )
    ).first()
    if found is None:
        raise AgreementError(f"unknown authority: {code}")
    return found.id, found.code


async def create_agreement(
    session: AsyncSession,
    *,
    authority: str,
    terms: AgreementTerms,
    by: int | None,
    reference: str | None = None,
) -> AgreementVersion:
    """A new agreement for an authority (GSS or three-letter code), as its version 1.

    The reference defaults to ISA-<three-letter code> (as the demo names them)."""
    authority_id, code = await _authority(session, authority)
    reference = (reference or f"ISA-{code}").strip()
    if not reference or len(reference) > MAX_REFERENCE:
        raise AgreementError(f"a reference has 1 to {MAX_REFERENCE} characters")
    if await session.scalar(select(Agreement.id).where(Agreement.reference == reference)):
        raise AgreementError(f"an agreement with reference {reference} exists already")
    agreement = Agreement(reference=reference, authority_id=authority_id)
    session.add(agreement)
    await session.flush()
    return await _add_version(session, agreement, 1, terms, by)


async def current_terms(
    session: AsyncSession, reference: str
) -> tuple[Agreement, AgreementTerms, int]:
    """The agreement, its current terms (without a change note) and its current version number."""
    agreement = await session.scalar(select(Agreement).where(Agreement.reference == reference))
    if agreement is None:
        raise AgreementNotFound(f"unknown agreement: {reference}")
    version = await session.scalar(
        select(AgreementVersion).where(
            AgreementVersion.agreement_id == agreement.id, AgreementVersion.is_current
        )
    )
    assert version is not None  # every agreement is created with a version
    coverage = await session.execute(
        select(Source.code, AgreementCoverage.theme_code)
        .outerjoin(Source, Source.id == AgreementCoverage.source_id)
        .where(AgreementCoverage.version_id == version.id)
        .order_by(AgreementCoverage.id)
    )
    recipients = await session.scalars(
        select(Organisation.code)
        .join(AgreementRecipient, AgreementRecipient.organisation_id == Organisation.id)
        .where(AgreementRecipient.version_id == version.id)
        .order_by(Organisation.code)
    )
    purposes = await session.scalars(
        select(AgreementPurpose.purpose)
        .where(AgreementPurpose.version_id == version.id)
        .order_by(AgreementPurpose.purpose)
    )
    terms = AgreementTerms(
        state=version.state,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        review_date=version.review_date,
        coverage=tuple(Coverage(source, theme) for source, theme in coverage.all()),
        recipients=tuple(recipients),
        purposes=tuple(purposes),
        include_provisional=version.include_provisional,
        allow_aggregates=version.allow_aggregates,
        lawful_basis=version.lawful_basis,
        retention=version.retention,
        contact=version.contact,
    )
    return agreement, terms, version.version


def _same(a: AgreementTerms, b: AgreementTerms) -> bool:
    """Whether two sets of terms agree the same thing (order of lines and the note aside)."""

    def key(t: AgreementTerms) -> AgreementTerms:
        return replace(
            t,
            coverage=tuple(sorted(set(t.coverage), key=str)),
            recipients=tuple(sorted(set(t.recipients))),
            purposes=tuple(sorted(set(t.purposes))),
            change_note=None,
        )

    return key(a) == key(b)


def _note(note: str | None) -> str:
    if note is None or not note.strip():
        raise AgreementError("a change note saying why is required")
    return note.strip()


async def amend_agreement(
    session: AsyncSession,
    *,
    reference: str,
    change: Callable[[AgreementTerms], AgreementTerms],
    by: int | None,
) -> AgreementVersion:
    """New terms for an agreement, as its next version: `change` maps the current terms to the
    new ones (with their change note); the terms must differ."""
    agreement, current, number = await current_terms(session, reference)
    terms = change(current)
    terms = replace(terms, change_note=_note(terms.change_note))
    if _same(terms, current):
        raise AgreementError("the new terms are the same as the current ones; nothing to amend")
    return await _add_version(session, agreement, number + 1, terms, by)


async def set_agreement_state(
    session: AsyncSession, *, reference: str, state: AgreementState, note: str, by: int | None
) -> AgreementVersion:
    """Activate, suspend, withdraw or expire an agreement: its next version, terms unchanged."""
    agreement, terms, number = await current_terms(session, reference)
    if terms.state == state:
        raise AgreementError(f"the agreement is {state.value} already")
    changed = replace(terms, state=state, change_note=_note(note))
    return await _add_version(session, agreement, number + 1, changed, by)


async def record_mutuality(
    session: AsyncSession,
    *,
    authority: str,
    state: MutualityState,
    signed_on: date,
    withdrawn_on: date | None = None,
) -> MutualityStatement:
    """Record an authority's mutuality statement, signed or withdrawn: a new row each time, so
    the history is kept; the newest is the authority's position."""
    authority_id, _ = await _authority(session, authority)
    if (state == MutualityState.WITHDRAWN) != (withdrawn_on is not None):
        raise AgreementError("a withdrawn statement needs its withdrawal date, and only it")
    if withdrawn_on is not None and withdrawn_on < signed_on:
        raise AgreementError("the withdrawal date is before the signing date")
    statement = MutualityStatement(
        authority_id=authority_id, state=state, signed_on=signed_on, withdrawn_on=withdrawn_on
    )
    session.add(statement)
    await session.flush()
    await after_mutuality(session, authority_id)  # a withdrawal raises an early warning
    return statement
