"""The confidential clearing house: concerns raised about an authority, and their follow-up.

Who may raise, read or follow up concerns is for the policy to say (hub.authz); callers ask it
first. A follow-up never rewrites what was raised: its note is appended to the concern's detail,
dated and signed, so the detail reads as the concern's history.
"""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Authority, Concern
from hub.models.base import utcnow
from hub.models.enums import ConcernStatus

MAX_SUBJECT = 255  # concern.subject
MAX_DETAIL = 20_000


class ConcernError(ValueError):
    """The concern cannot be raised or changed as asked; the message says why."""


class ConcernNotFound(ConcernError):
    """No concern has the id given."""


def _text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ConcernError(f"{what} is required")
    if len(value) > limit:
        raise ConcernError(f"{what} is longer than {limit} characters")
    return value


async def raise_concern(
    session: AsyncSession,
    *,
    authority: str,
    subject: str,
    detail: str,
    organisation_id: int,
    principal_id: int | None,
) -> Concern:
    """Record a new, open concern about an authority (GSS or three-letter code)."""
    problems = []
    try:
        subject = _text(subject, "subject", MAX_SUBJECT)
    except ConcernError as error:
        problems.append(str(error))
    try:
        detail = _text(detail, "detail", MAX_DETAIL)
    except ConcernError as error:
        problems.append(str(error))
    authority_id = await session.scalar(
        select(Authority.id).where(
            or_(Authority.gss_code == authority, Authority.code == authority)
        )
    )
    if authority_id is None:
        problems.append(f"unknown authority: {authority}")
    if problems:
        raise ConcernError("; ".join(problems))
    assert authority_id is not None
    now = utcnow()
    concern = Concern(
        authority_id=authority_id,
        raised_by_organisation_id=organisation_id,
        raised_by_principal_id=principal_id,
        subject=subject,
        detail=detail,
        status=ConcernStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    session.add(concern)
    await session.flush()
    return concern


def follow_up_entry(moment: datetime, by: str, status: ConcernStatus, note: str | None) -> str:
    """The line a follow-up appends to a concern's detail."""
    head = f"[{moment:%Y-%m-%d %H:%M} UTC, {by}] status {status.value}"
    return f"{head}: {note}" if note else head


async def update_concern(
    session: AsyncSession,
    *,
    concern_id: int,
    status: ConcernStatus,
    note: str | None,
    by: str,
) -> Concern:
    """Set a concern's status, appending the follow-up (and its note) to the detail."""
    concern = await session.get(Concern, concern_id, with_for_update=True)
    if concern is None:
        raise ConcernNotFound(f"unknown concern: {concern_id}")
    note = None if note is None or not note.strip() else note.strip()
    if note is None and status == concern.status:
        raise ConcernError(f"the concern is {status.value} already; give a note to add one")
    if note is not None and len(note) > MAX_DETAIL:
        raise ConcernError(f"note is longer than {MAX_DETAIL} characters")
    now = utcnow()
    concern.detail = f"{concern.detail}\n\n{follow_up_entry(now, by, status, note)}"
    concern.status = status
    concern.updated_at = now
    await session.flush()
    return concern
