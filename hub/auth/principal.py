"""The authenticated caller, as every layer below the HTTP edge sees it."""

from dataclasses import dataclass

from hub.models.enums import OrganisationKind, Role


@dataclass(frozen=True, slots=True)
class AuthenticatedPrincipal:
    principal_id: int
    name: str
    role: Role
    organisation_id: int
    organisation_code: str
    organisation_kind: OrganisationKind
    region_id: int | None  # of the organisation: a RIEP's or Government Office's region
    authority_id: int | None  # of the organisation, when it is an authority
    token_id: int
