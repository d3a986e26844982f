# Early-warning alerts (hub/signals): who reads them, which of their fields, and who
# acknowledges or closes them.
#
# An alert row has: id, authority_id, and the fields of the records that raised it:
# source_id, source_organisation_id, theme_code, status (source and theme nil when no
# source's record raised it: a mutuality statement withdrawn, a commitment overdue).
# Alerts are for analysts; they are not performance records, and the rules of records.polar
# do not apply to them. Submitters (the inspectorates' systems) never read alerts.

# An analyst (or a clearing-house officer) reads an alert when an agreement in force shares
# its evidence with the analyst's organisation for the stated purpose.
allow_row(actor: AuthenticatedPrincipal, "read", request: AccessRequest, alert: Alert, grant: Grant) if
    alert_shared(actor, request, alert, grant);

# An authority's own officers read the alerts about their authority (but not the analysts'
# notes on them: see allow_field below).
allow_row(actor: AuthenticatedPrincipal, "read", _request: AccessRequest, alert: Alert, _grant: Grant) if
    actor.role = "authority_officer" and
    alert.authority_id = actor.authority_id;

# Analysts who read an alert under an agreement acknowledge and close it; an authority officer
# reads its own authority's alerts but does not change them.
allow_row(actor: AuthenticatedPrincipal, "manage", request: AccessRequest, alert: Alert, grant: Grant) if
    alert_shared(actor, request, alert, grant);

# What the analysts write on an alert, and who of them changed it last, stays with analysts.
allow_field(actor: AuthenticatedPrincipal, "read", "Alert", "note") if
    actor.role in ["riep_analyst", "idea_analyst", "clearing_house_officer"];
allow_field(actor: AuthenticatedPrincipal, "read", "Alert", "stateChangedBy") if
    actor.role in ["riep_analyst", "idea_analyst", "clearing_house_officer"];

# Shared: the agreement's line covers the alert's evidence as it would cover the records.
alert_shared(actor: AuthenticatedPrincipal, request: AccessRequest, alert: Alert, grant: Grant) if
    agreement_for_alert(actor, request, alert, grant) and
    alert_covered(grant, alert) and
    alert_released(grant, alert);

# An alert that no source's record raised is shared under any agreement of its authority.
alert_shared(actor: AuthenticatedPrincipal, request: AccessRequest, alert: Alert, grant: Grant) if
    alert.source_id = nil and
    agreement_for_alert(actor, request, alert, grant);

agreement_for_alert(actor: AuthenticatedPrincipal, request: AccessRequest, alert: Alert, grant: Grant) if
    reads_under_agreements(actor, grant) and
    grant.recipient_id = actor.organisation_id and
    grant.purpose = request.purpose and
    in_force(grant, request) and
    grant.authority_id = alert.authority_id;

# As covers/releases in records.polar, for an alert's evidence.
alert_covered(grant: Grant, alert: Alert) if
    grant.theme_code = nil and
    grant.source_id = alert.source_id;
alert_covered(grant: Grant, alert: Alert) if
    grant.source_id = nil and
    grant.theme_code = alert.theme_code;
alert_covered(grant: Grant, alert: Alert) if
    grant.source_id = alert.source_id and
    grant.theme_code = alert.theme_code;

alert_released(_grant: Grant, alert: Alert) if
    alert.status = "final";
alert_released(grant: Grant, alert: Alert) if
    alert.status = "provisional" and
    grant.include_provisional = true;
