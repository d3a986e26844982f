# Information-sharing agreements and the clearing house.
#
# An agreement row has: id, authority_id. A concern row has: id, authority_id,
# raised_by_organisation_id.

# Only the hub administrator creates, amends, suspends or withdraws agreements and records
# mutuality statements; every change is a new version, so history is never lost.
allow(actor: AuthenticatedPrincipal, "manage", "agreements") if
    actor.role = "hub_admin";

# Who sees an agreement's terms: the administrator and auditors all; an authority officer its
# own authority's; an organisation the current agreements that name it as a recipient.
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, _agreement: Agreement, _grant: Grant) if
    actor.role in ["hub_admin", "auditor"];
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, agreement: Agreement, _grant: Grant) if
    actor.role = "authority_officer" and
    agreement.authority_id = actor.authority_id;
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, agreement: Agreement, grant: Grant) if
    actor.role in ["riep_analyst", "idea_analyst", "clearing_house_officer"] and
    grant.agreement_id = agreement.id and
    grant.is_current = true and
    grant.recipient_id = actor.organisation_id;

# The confidential clearing house. Any authenticated organisation may raise a concern about an
# authority. Only IDeA clearing-house officers read concerns and follow them up; the raising
# organisation reads its own, unless it is an inspectorate or a Government Office, which never do,
# or the IDeA itself, where only the clearing-house officers read concerns (an IDeA analyst who
# raises one does not read back what the officers of the same organisation raised).
allow(_actor: AuthenticatedPrincipal, "raise", "concern");
allow(actor: AuthenticatedPrincipal, "manage", "concerns") if
    actor.role = "clearing_house_officer";
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, _concern: Concern, _grant: Grant) if
    actor.role = "clearing_house_officer";
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, concern: Concern, _grant: Grant) if
    concern.raised_by_organisation_id = actor.organisation_id and
    not actor.organisation_kind in ["inspectorate", "government_office", "idea"];

# An agreement's named contact is personal data: shown to the administrator, auditors and the
# authority itself, and hidden (null, with a reason) from the organisations it shares with.
allow_field(actor: AuthenticatedPrincipal, "read", "Agreement", "contact") if
    actor.role in ["hub_admin", "auditor", "authority_officer"];
