# Access traces: who may read the access log (hub/audit).
#
# An access record row has: id, principal_id, organisation_id. A touch row (what one record
# touched: rows of one authority and source) has: record_id, authority_id, source_id.
# Nobody writes the log through the API: the hub appends to it, and `hub audit verify` proves
# it unaltered. Auditors read traces, never the performance values (policies/records.polar).

# Auditors read every access record and everything it touched.
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, _record: AccessRecord, _grant: Grant) if
    actor.role = "auditor";
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, _touch: AccessTouch, _grant: Grant) if
    actor.role = "auditor";

# Every principal reads its own access records.
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, record: AccessRecord, _grant: Grant) if
    record.principal_id = actor.principal_id;

# Transparency: an authority officer sees who accessed its own authority's data, when, why and
# how much (the touches of its authority, with the organisation, purpose and time of each).
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, touch: AccessTouch, _grant: Grant) if
    actor.role = "authority_officer" and
    touch.authority_id = actor.authority_id;
