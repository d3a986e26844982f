# The hub's policies: the only place that says who may do what. Everything not allowed here is
# denied. The code asks `allow(actor, action, resource)` of a single object, and
# `allow_row(actor, action, request, row, grant)` of a list, which it compiles to SQL.
#
# An actor is an authenticated principal: actor.role is one of submitter, riep_analyst,
# idea_analyst, clearing_house_officer, authority_officer, auditor, hub_admin; it also has
# organisation_id, organisation_code, organisation_kind, region_id (of a RIEP or Government
# Office) and authority_id (of an authority's own organisation).

# Reference lists (regions, authorities, themes, indicators, sources) are public facts.
allow_row(_actor: AuthenticatedPrincipal, "read", _request: AccessRequest, _row: Reference, _grant: Grant);

# The purpose a request states when it sends no X-Hub-Purpose header.
default_purpose(actor: AuthenticatedPrincipal, "early_warning") if actor.role = "riep_analyst";
default_purpose(actor: AuthenticatedPrincipal, "improvement_support") if
    actor.role in ["idea_analyst", "clearing_house_officer", "authority_officer", "submitter",
                   "auditor", "hub_admin"];

# A submitter (an inspectorate or Government Office system) pushes only to the sources its own
# organisation owns.
allow(actor: AuthenticatedPrincipal, "submit", source: SourceRef) if
    actor.role = "submitter" and
    source.organisation_id = actor.organisation_id;

# Explaining access (why may X see Y?) and the effective-access matrix are for the hub's
# administrator and its auditors.
allow(actor: AuthenticatedPrincipal, "explain", "access") if
    actor.role in ["hub_admin", "auditor"];
