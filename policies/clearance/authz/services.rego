# Service-to-service authorization: least privilege and default deny. A call needs a grant from the callee's owning
# team unless caller and callee belong to the same team, sit in the same zone, the callee's policy is "open" to its
# team, no crossed boundary demands an explicit grant and the data does not demand one. An explicit deny beats any
# grant. Grants are keyed catalog.grants[callee][operation][caller]; explicit denies catalog.denies[callee][caller].
package clearance.authz

grant := catalog.grants[input.target.service][operation_key][caller_name] if subject_is_service

# Why this call needs a grant, as short keys; the phrases are only built for a no_grant message.
grant_needed_because contains "teams" if {
	subject_is_service
	caller_service.team != target_service.team
}

grant_needed_because contains "zones" if {
	subject_is_service
	caller_service.zone != target_service.zone
}

grant_needed_because contains "service_policy" if {
	subject_is_service
	not target_service.same_team_access == "open"
}

grant_needed_because contains "boundary" if {
	subject_is_service
	some crossing in crossings
	"explicit_grant" in catalog.boundaries[crossing.from][crossing.to].requires
}

grant_needed_because contains "classification" if {
	subject_is_service
	catalog.classifications[effective_classification].requires_grant == true
}

grant_need_phrase("teams") := "the services belong to different teams"

grant_need_phrase("zones") := "the services are in different zones"

grant_need_phrase("service_policy") := concat("", [input.target.service, " requires a grant even from its own team"])

grant_need_phrase("boundary") := concat("", ["the boundary ", crossing_label(crossing), " requires an explicit grant"]) if {
	some crossing in crossings
}

grant_need_phrase("classification") := concat("", [effective_classification, " data always requires a grant"])

needs_grant if count(grant_needed_because) > 0

purpose_required if {
	subject_is_service
	catalog.classifications[effective_classification].requires_purpose == true
}

policy_denials contains reason("explicitly_denied", concat("", [
	"The ", text(record, "by", "security"), " team explicitly denies service ", caller_name, " any call to ",
	input.target.service, " (", text(record, "ticket", "no ticket"), ": ", text(record, "reason", "no reason recorded"),
	"); an explicit deny overrides every grant.",
])) if {
	subject_is_service
	record := catalog.denies[input.target.service][caller_name]
}

policy_denials contains reason("no_grant", concat("", [
	"No grant lets service ", caller_name, " call ", operation_label, ", and one is needed because ",
	concat(" and ", sort([grant_need_phrase(key) | some key in grant_needed_because])), ".",
])) if {
	needs_grant
	not grant
}

policy_denials contains reason("grant_not_by_owner", concat("", [
	"The grant for service ", caller_name, " to call ", operation_label, " was made by team ",
	text(grant, "granted_by", "(none recorded)"), ", but only the owning team ", target_service.team,
	" may grant access to ", input.target.service, ".",
])) if {
	needs_grant
	grant
	not grant.granted_by == target_service.team
}

policy_denials contains reason("grant_expired", concat("", [
	"The grant ", text(grant, "ticket", "(no ticket)"), " for service ", caller_name, " to call ", operation_label,
	" expired at ", grant.expires_at, ".",
])) if {
	needs_grant
	is_string(grant.expires_at)
	timestamp_key(grant.expires_at) <= timestamp_key(input.time)
}

policy_denials contains reason("purpose_required", concat("", [
	operation_label, " touches ", effective_classification,
	" data; the request must state its purpose (input.purpose) and a grant must allow that purpose.",
])) if {
	purpose_required
	not purpose_stated
}

# A helper rule, not `not is_string(input.purpose)`: a builtin call on an undefined reference under `not` is
# undefined in Rego rather than true.
purpose_stated if is_string(input.purpose)

policy_denials contains reason("purpose_mismatch", concat("", [
	"Service ", caller_name, " may call ", operation_label, " only for purpose ", text(grant, "purpose", "(none recorded)"),
	", not for ", input.purpose, ".",
])) if {
	purpose_required
	is_string(input.purpose)
	grant
	not grant.purpose == input.purpose
}

allow_reasons contains reason("grant_matched", concat("", [
	"Grant ", text(grant, "ticket", "(no ticket)"), " by team ", grant.granted_by, " lets service ", caller_name,
	" call ", operation_label, " for purpose ", text(grant, "purpose", "(none recorded)"), ".",
])) if {
	needs_grant
	grant.granted_by == target_service.team
}

allow_reasons contains reason("same_team_policy", concat("", [
	"Services ", caller_name, " and ", input.target.service, " both belong to team ", target_service.team,
	" in zone ", target_zone, ", and ", input.target.service, " is open to its own team.",
])) if {
	subject_is_service
	not needs_grant
	caller_service.team == target_service.team
	target_service.same_team_access == "open"
}

# RFC 3339 UTC timestamps compare as strings once cut to whole seconds ("2025-06-01T12:00:00").
timestamp_key(t) := substring(t, 0, 19)
