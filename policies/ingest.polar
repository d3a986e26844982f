# Who may push what through the ingest engine, and who reads batches back.
# (Which sources a submitter may push to at all is in hub.polar: its organisation's own sources.)

# Every record of a batch is about an authority. An inspectorate reports on any English authority;
# a Government Office only on the authorities of its own region, as it did for Local Area Agreements.
allow(actor: AuthenticatedPrincipal, "submit", _target: SubmissionTarget) if
    actor.role = "submitter" and
    actor.organisation_kind = "inspectorate";

allow(actor: AuthenticatedPrincipal, "submit", target: SubmissionTarget) if
    actor.role = "submitter" and
    actor.organisation_kind = "government_office" and
    target.region_id = actor.region_id;

# Submitters read back their own organisation's batches: status, counts, errors, timing.
allow(actor: AuthenticatedPrincipal, "read", scope: BatchScope) if
    actor.role = "submitter" and
    scope.organisation_id = actor.organisation_id;

# The hub administrator reads every organisation's batches (scope.organisation_id nil = all).
allow(actor: AuthenticatedPrincipal, "read", _scope: BatchScope) if
    actor.role = "hub_admin";
