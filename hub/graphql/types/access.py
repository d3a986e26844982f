"""explainAccess and effectiveAccess: the policy, asked about hypothetical records."""

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from hub.authz import Action
from hub.graphql.context import HubInfo
from hub.graphql.errors import bad_input, forbidden
from hub.models.enums import ObservationStatus, Purpose, Role
from hub.query.explain import AccessQuestion, ExplainError, access_matrix, explain_access


@strawberry.type(description="An agreement version, by reference and number.")
class AgreementVersionRef:
    reference: str
    version: int


@strawberry.type(description="Whether an organisation would receive such a record, and why.")
class AccessExplanation:
    allowed: bool
    role: Role = strawberry.field(description="The role the question was answered for.")
    granted_by: list[AgreementVersionRef]
    reasons: list[str]


@strawberry.type(description="One cell of the effective-access matrix.")
class AccessCell:
    authority: str = strawberry.field(description="GSS code.")
    theme: str
    allowed: bool
    granted_by_version_id: int | None


@strawberry.type(description="An organisation's effective access, authorities x themes.")
class AccessMatrix:
    organisation: str
    role: Role
    purpose: Purpose
    cells: list[AccessCell]


def _check(info: HubInfo) -> None:
    if not info.context.reader.gate.allows(Action.EXPLAIN, "access"):
        raise forbidden("only the hub administrator and auditors may explain access")


@strawberry.type
class AccessQuery:
    @strawberry.field(
        description="Would this organisation receive a record of this authority, source and "
        "theme, and why. With a theme alone the record has no source, so only agreement lines "
        "covering that theme can share it; name the source to ask about source-wide lines."
    )
    async def explain_access(
        self,
        info: HubInfo,
        organisation: str,
        authority: str,
        purpose: Purpose,
        source: str | None = None,
        theme: str | None = None,
        role: Role | None = None,
        status: ObservationStatus = ObservationStatus.FINAL,
        principal: Annotated[
            str | None,
            strawberry.argument(description="A principal of the organisation, by name."),
        ] = None,
    ) -> AccessExplanation:
        _check(info)
        question = AccessQuestion(
            organisation, authority, purpose, source, theme, role, status, principal
        )
        try:
            answer = await explain_access(info.context.reader, question, datetime.now(UTC).date())
        except ExplainError as error:
            raise bad_input(str(error)) from error
        refs = [AgreementVersionRef(reference=r, version=v) for r, v in answer.granted_by]
        return AccessExplanation(
            allowed=answer.allowed, role=answer.role, granted_by=refs, reasons=list(answer.reasons)
        )

    @strawberry.field(description="Authorities x themes an organisation may receive.")
    async def effective_access(
        self,
        info: HubInfo,
        organisation: str,
        purpose: Purpose,
        role: Role | None = None,
        region: str | None = None,
    ) -> AccessMatrix:
        _check(info)
        try:
            chosen, cells = await access_matrix(
                info.context.reader,
                organisation=organisation,
                purpose=purpose,
                today=datetime.now(UTC).date(),
                role=role,
                region=region,
            )
        except ExplainError as error:
            raise bad_input(str(error)) from error
        return AccessMatrix(
            organisation=organisation,
            role=chosen,
            purpose=purpose,
            cells=[
                AccessCell(
                    authority=c.authority,
                    theme=c.theme,
                    allowed=c.allowed,
                    granted_by_version_id=c.version_id,
                )
                for c in cells
            ],
        )
