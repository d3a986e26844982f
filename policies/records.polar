# Performance records: observations, assessments and flags.
#
# allow_row(actor, action, request, row, grant) says which rows of a list an actor receives.
# The hub evaluates it with the row unknown and turns the conditions into SQL, so every list
# is filtered by the database. `grant` is one line of an information-sharing agreement:
#   grant.authority_id, grant.authority_region_id   whose agreement, in which region
#   grant.agreement_id, grant.version_id, grant.version, grant.is_current
#   grant.state            draft, active, suspended, withdrawn or expired
#   grant.effective_from, grant.effective_to, grant.review_date
#   grant.recipient_id     an organisation the agreement shares with
#   grant.purpose          a purpose it permits
#   grant.source_id, grant.theme_code   what it covers: a source, a theme, or a theme in a source
#   grant.include_provisional, grant.allow_aggregates
# A record has: authority_id, source_id, source_organisation_id, theme_code, status.
# request.purpose is the purpose the request states (X-Hub-Purpose); request.today is the date.

# An analyst receives a record when the record's authority has an agreement in force that
# names the analyst's organisation, permits the stated purpose and covers the record.
allow_row(actor: AuthenticatedPrincipal, "read", request: AccessRequest, record: PerformanceRecord, grant: Grant) if
    shared_under_agreement(actor, request, record, grant);

shared_under_agreement(actor: AuthenticatedPrincipal, request: AccessRequest, record: PerformanceRecord, grant: Grant) if
    reads_under_agreements(actor, grant) and
    grant.recipient_id = actor.organisation_id and
    grant.purpose = request.purpose and
    in_force(grant, request) and
    grant.authority_id = record.authority_id and
    covers(grant, record) and
    releases(grant, record);

# RIEP analysts read only the authorities of their own region.
reads_under_agreements(actor: AuthenticatedPrincipal, grant: Grant) if
    actor.role = "riep_analyst" and
    grant.authority_region_id = actor.region_id;

# IDeA analysts and clearing-house officers read nationally.
reads_under_agreements(actor: AuthenticatedPrincipal, _grant: Grant) if
    actor.role in ["idea_analyst", "clearing_house_officer"];

# Only the current version of an active agreement counts, from its effective date until its
# end or its review date, whichever comes first. Withdrawal, suspension and expiry end it.
in_force(grant: Grant, request: AccessRequest) if
    grant.is_current = true and
    grant.state = "active" and
    grant.effective_from <= request.today and
    (grant.effective_to = nil or grant.effective_to >= request.today) and
    (grant.review_date = nil or grant.review_date >= request.today);

# A line covers a whole source, a theme across every source, or a theme within one source.
covers(grant: Grant, record: PerformanceRecord) if
    grant.theme_code = nil and
    grant.source_id = record.source_id;
covers(grant: Grant, record: PerformanceRecord) if
    grant.source_id = nil and
    grant.theme_code = record.theme_code;
covers(grant: Grant, record: PerformanceRecord) if
    grant.source_id = record.source_id and
    grant.theme_code = record.theme_code;

# Final data is shared; provisional (unpublished) data only where the agreement includes it.
releases(_grant: Grant, record: PerformanceRecord) if
    record.status = "final";
releases(grant: Grant, record: PerformanceRecord) if
    record.status = "provisional" and
    grant.include_provisional = true;

# An authority officer sees everything about its own authority, whatever it shares.
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, record: PerformanceRecord, _grant: Grant) if
    actor.role = "authority_officer" and
    record.authority_id = actor.authority_id;

# A submitter reads back the records of the sources its own organisation owns.
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, record: PerformanceRecord, _grant: Grant) if
    actor.role = "submitter" and
    record.source_organisation_id = actor.organisation_id;

# Nobody else reads performance records: not the hub administrator, not the auditor.

# Aggregates across authorities (medians, quartiles). An agreement that allows aggregates lets
# its authority's records count towards hub-wide benchmarks, so RIEP and IDeA analysts aggregate
# every such record, whatever the region and whoever the agreement names: the aggregate is not a
# read of the record. The agreement must still be in force, permit the stated purpose, cover the
# record and release it (provisional data only where it includes provisional data).
allow_row(actor: AuthenticatedPrincipal, "aggregate", request: AccessRequest, record: PerformanceRecord, grant: Grant) if
    actor.role in ["riep_analyst", "idea_analyst"] and
    contributes_to_benchmarks(request, record, grant);

# A clearing-house officer aggregates what is shared with it and allows aggregates.
allow_row(actor: AuthenticatedPrincipal, "aggregate", request: AccessRequest, record: PerformanceRecord, grant: Grant) if
    actor.role = "clearing_house_officer" and
    shared_under_agreement(actor, request, record, grant) and
    grant.allow_aggregates = true;

contributes_to_benchmarks(request: AccessRequest, record: PerformanceRecord, grant: Grant) if
    grant.allow_aggregates = true and
    grant.purpose = request.purpose and
    in_force(grant, request) and
    grant.authority_id = record.authority_id and
    covers(grant, record) and
    releases(grant, record);
