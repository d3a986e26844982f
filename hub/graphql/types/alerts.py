"""Early-warning alerts in GraphQL: list and read them, acknowledge and close them.

Who sees an alert, which of its fields, and who may change it, is the policy's answer
(policies/alerts.polar): analysts see an alert when an agreement shares its evidence with them,
an authority's officers their own authority's alerts without the analysts' notes; an alert the
caller may not see is NOT_FOUND, exactly like one that does not exist.
"""

from datetime import date, datetime
from typing import Any

import strawberry

from hub.authz import Action, Kind
from hub.graphql.context import HubInfo
from hub.graphql.errors import bad_input, forbidden, hidden_field, not_found
from hub.graphql.types.connection import Connection, from_page, node
from hub.graphql.types.reference import Authority, codes_argument
from hub.models.alerts import AlertState, Severity
from hub.query import alerts as query
from hub.query import reference

strawberry.enum(Severity, description="How urgent an alert is.")
strawberry.enum(AlertState, description="Where an alert is in its follow-up.")

MAX_NOTE = 4000


@strawberry.type(description="One record that raised an alert, and what in it did.")
class AlertEvidence:
    record_kind: str = strawberry.field(
        description="observation, assessment, flag, mutuality_statement or commitment."
    )
    record_id: strawberry.ID
    period: str | None
    date: date | None
    indicator: str | None
    value: float | None
    judgement: str | None
    flag: str | None
    text: str = strawberry.field(description="The evidence in words.")


def _evidence(raw: dict[str, Any]) -> AlertEvidence:
    on = raw.get("date")
    return AlertEvidence(
        record_kind=raw["record_kind"],
        record_id=strawberry.ID(str(raw["record_id"])),
        period=raw.get("period"),
        date=date.fromisoformat(on) if on else None,
        indicator=raw.get("indicator"),
        value=raw.get("value"),
        judgement=raw.get("judgement"),
        flag=raw.get("flag"),
        text=raw["text"],
    )


def _shared(info: HubInfo, field: str, value: str | None) -> str | None:
    """A field the policy may withhold from some readers of the alert (allow_field)."""
    if not info.context.reader.gate.field_allowed(Action.READ, Kind.ALERT, field):
        raise hidden_field(field)
    return value


@strawberry.type(description="An early warning about an authority, raised by a signal rule.")
class Alert:
    id: strawberry.ID
    authority_id: strawberry.Private[int]
    raw_evidence: strawberry.Private[list[dict[str, Any]]]
    rule: str = strawberry.field(description="The rule's code in signals/rules.yaml.")
    title: str
    description: str | None
    severity: Severity
    state: AlertState
    raised_at: datetime
    batch_id: strawberry.ID | None = strawberry.field(
        description="The ingest batch that triggered it; null if none did (e.g. mutuality)."
    )
    state_changed_at: datetime | None
    state_changed_by: strawberry.Private[str | None]
    note: strawberry.Private[str | None]

    @strawberry.field(
        name="stateChangedBy",
        description="Name of the principal who last acknowledged or closed it: for analysts, "
        "null (with a FORBIDDEN error naming the field) for the authority's own officers.",
    )
    def shared_state_changed_by(self, info: HubInfo) -> str | None:
        return _shared(info, "stateChangedBy", self.state_changed_by)

    @strawberry.field(
        name="note",
        description="The analysts' note on the last change: for analysts, null (with a "
        "FORBIDDEN error naming the field) for the authority's own officers.",
    )
    def shared_note(self, info: HubInfo) -> str | None:
        return _shared(info, "note", self.note)

    @strawberry.field
    async def authority(self, info: HubInfo) -> Authority:
        return await info.context.loaders.by_id(reference.AUTHORITY).load(self.authority_id)

    @strawberry.field(description="The records that raised it, oldest first.")
    def evidence(self) -> list[AlertEvidence]:
        return [_evidence(raw) for raw in self.raw_evidence]


@strawberry.input(description="Which alerts to return; all conditions must hold.")
class AlertFilter:
    authorities: list[str] | None = strawberry.field(
        default=None, description="GSS or three-letter authority codes."
    )
    region: str | None = strawberry.field(default=None, description="ONS region code.")
    states: list[AlertState] | None = None
    severities: list[Severity] | None = None

    def to_query(self) -> query.AlertFilter:
        return query.AlertFilter(
            authorities=codes_argument(self.authorities, "authority"),
            region=self.region,
            states=None if self.states is None else tuple(self.states),
            severities=None if self.severities is None else tuple(self.severities),
        )


def alert_id(value: strawberry.ID) -> int | None:
    """The id as stored, or None for anything that cannot be one (so: NOT_FOUND)."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)


@strawberry.type
class AlertQuery:
    @strawberry.field(description="Alerts you may see, oldest first.")
    async def alerts(
        self,
        info: HubInfo,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Alert]:
        page = info.context.page("alert", first, after)
        f = query.AlertFilter() if filter is None else filter.to_query()
        return from_page("alert", await query.alerts(info.context.reader, f, page))

    @strawberry.field(description="An alert you may see, by id; NOT_FOUND otherwise.")
    async def alert(self, info: HubInfo, id: strawberry.ID) -> Alert | None:
        found = alert_id(id)
        row = None if found is None else await query.alert_by_id(info.context.reader, found)
        if row is None:
            raise not_found("alert")
        return node(row)


async def _change(info: HubInfo, id: strawberry.ID, state: AlertState, note: str | None) -> Alert:
    if note is not None and len(note) > MAX_NOTE:
        raise bad_input(f"a note is at most {MAX_NOTE} characters")
    found = alert_id(id)
    if found is None:
        raise not_found("alert")
    try:
        row = await query.change_state(info.context.reader, found, state, note)
    except query.AlertNotFound:
        raise not_found("alert") from None
    except query.AlertRefused:
        raise forbidden("you may not change this alert") from None
    except query.AlertStateError as error:
        raise bad_input(str(error)) from None
    info.context.loaders.forget()
    return node(row)


@strawberry.type
class AlertMutation:
    @strawberry.mutation(description="Acknowledge an open alert (it stays until closed).")
    async def acknowledge_alert(
        self, info: HubInfo, id: strawberry.ID, note: str | None = None
    ) -> Alert:
        return await _change(info, id, AlertState.ACKNOWLEDGED, note)

    @strawberry.mutation(description="Close an open or acknowledged alert, saying why.")
    async def close_alert(self, info: HubInfo, id: strawberry.ID, note: str) -> Alert:
        if not note.strip():
            raise bad_input("closing an alert needs a note saying why")
        return await _change(info, id, AlertState.CLOSED, note)
