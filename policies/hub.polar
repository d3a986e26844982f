# Who may read what in the hub. This file, and the others in policies/, are the only place
# that says so: the code asks `allow(actor, action, resource)` and compiles the answer to SQL.
#
# An actor is an authenticated principal: its `role` is one of submitter, riep_analyst,
# idea_analyst, clearing_house_officer, authority_officer, auditor, hub_admin.
# A resource here is the name of a kind of record:
#   "reference"    regions, authorities, themes, indicators, sources (public facts)
#   "observation", "assessment", "flag"    performance data shared under agreements

# Reference lists name public bodies and published measures: every authenticated caller reads them.
allow(_actor: AuthenticatedPrincipal, "read", "reference");

# Until information-sharing agreements are enforced, only the hub's administrator reads
# performance data. Every other role is denied by default.
allow(actor: AuthenticatedPrincipal, "read", kind: String) if
    actor.role = "hub_admin" and
    kind in ["observation", "assessment", "flag"];
