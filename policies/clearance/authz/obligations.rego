# Obligations: what the caller (the PEP) must still do when a request is allowed. A denied request carries none.
#   audit              keep a tamper-evident record of the decision and the request
#   rate_limit         apply the named rate-limit class
#   require_mtls       the boundary is migrating to mTLS; alert on / upgrade this plain-TLS call
#   mask_fields        redact these fields from the response
#   restrict_to_owner  return or change only records whose field equals the signed-in user
#   notify             tell the owning team now that a person used break-glass on its service (ticket named)
package clearance.authz

obligation_set contains {"type": "audit"} if audit_required

default audit_required := false

audit_required if {
	some crossing in crossings
	catalog.boundaries[crossing.from][crossing.to].audit == true
}

else if effective_classification_entry.audit == true

else if production_request

obligation_set contains {"type": "rate_limit", "class": rate_limit_class(limits)} if {
	some crossing in crossings
	limits := catalog.boundaries[crossing.from][crossing.to].rate_limit
}

rate_limit_class(limits) := limits.authenticated if input.subject.authenticated == true

else := limits.anonymous

obligation_set contains {"type": concat("_", ["require", control])} if {
	some crossing in crossings
	some control in catalog.boundaries[crossing.from][crossing.to].permissive
	not control_met(control)
}

obligation_set contains {"type": "mask_fields", "fields": sort(fields_to_mask)} if count(fields_to_mask) > 0

obligation_set contains {"type": "restrict_to_owner", "field": operation.owner_field} if {
	end_user_request
	input.subject.authenticated == true
	is_string(operation.owner_field)
}

obligation_set contains {"type": "notify", "team": target_service.team, "ticket": text(break_glass, "ticket", "(no ticket)")} if {
	subject_is_user
	break_glass_used
}
