# Service-to-service authorization: least privilege and default deny. A call needs a grant from the callee's owning
# team unless caller and callee belong to the same team, sit in the same zone, the callee's policy is "open" to its
# team, no crossed boundary demands an explicit grant and the data does not demand one. A public operation the
# catalog marks open_in_zone needs no grant from a verified caller in the callee's own zone. A grant that states a
# purpose binds the caller to it, whatever the data's classification. An explicit deny beats any grant. Grants are
# keyed catalog.grants[callee][operation][caller]; explicit denies catalog.denies[callee][caller].
package clearance.authz

grant := catalog.grants[input.target.service][operation_key][caller_name] if subject_is_service

# Why this call needs a grant, as short keys; the phrases are only built for a no_grant message.
grant_needed_because contains "teams" if {
	subject_is_service
	caller_service.team != target_service.team
	not open_in_zone
}

grant_needed_because contains "zones" if {
	subject_is_service
	caller_service.zone != target_service.zone
}

grant_needed_because contains "service_policy" if {
	subject_is_service
	not target_service.same_team_access == "open"
	not open_in_zone
}

grant_needed_because contains "boundary" if {
	subject_is_service
	some crossing in crossings
	"explicit_grant" in catalog.boundaries[crossing.from][crossing.to].requires
}

grant_needed_because contains "classification" if {
	subject_is_service
	effective_classification_entry.requires_grant == true
}

grant_need_phrase("teams") := "the services belong to different teams"

grant_need_phrase("zones") := "the services are in different zones"

grant_need_phrase("service_policy") := concat("", [input.target.service, " requires a grant even from its own team"])

grant_need_phrase("boundary") := concat("", ["the boundary ", crossing_label(crossing), " requires an explicit grant"]) if {
	some crossing in crossings
}

grant_need_phrase("classification") := concat("", [effective_classification, " data always requires a grant"])

# The same questions as grant_needed_because, stopping at the first yes: the set (and its phrases) is only built for a
# no_grant message, while every service call asks whether a grant is needed. services_test.rego checks that the two
# agree on every scenario.
default needs_grant := false

needs_grant if {
	subject_is_service
	caller_service.team != target_service.team
	not open_in_zone
} else if {
	subject_is_service
	caller_service.zone != target_service.zone
} else if {
	subject_is_service
	not target_service.same_team_access == "open"
	not open_in_zone
} else if {
	subject_is_service
	some crossing in crossings
	"explicit_grant" in catalog.boundaries[crossing.from][crossing.to].requires
} else if {
	subject_is_service
	effective_classification_entry.requires_grant == true
}

default open_in_zone := false

# Proportionate rules for open data: a public operation the catalog marks open_in_zone is open to every service of
# the callee's zone without a grant. The boundary's controls still apply, and a verified identity and TLS are
# demanded here too in case the zone's own boundary does not list them. input.resource raising the classification
# above public closes it again.
open_in_zone if {
	subject_is_service
	operation.open_in_zone == true
	effective_classification == "public"
	caller_service.zone == target_service.zone
}

open_in_zone_controls := {"tls", "authenticated"}

default owner_grant := false

# A grant the callee's owning team made: the one a purpose, an expiry and an allow are judged against.
owner_grant if grant.granted_by == target_service.team

default purpose_bound := false

# The grant binds a purpose when it states one; restricted data needs one stated whatever the grant says.
purpose_bound if is_string(grant.purpose)

else if effective_classification_entry.requires_purpose == true

default grant_judged := false

# The grant checks below judge a grant only where one is needed and no explicit deny already decided: an explicit
# deny overrides every grant, so what is wrong with the grant is not a cause of the denial.
grant_judged if {
	needs_grant
	not explicitly_denied_call
}

default explicitly_denied_call := false

explicitly_denied_call if _ = catalog.denies[input.target.service][caller_name]

policy_denials contains reason("explicitly_denied", concat("", [
	"The ", text(record, "by", "security"), " team explicitly denies service ", caller_name, " any call to ",
	input.target.service, " (", text(record, "ticket", "no ticket"), ": ", text(record, "reason", "no reason recorded"),
	"); an explicit deny overrides every grant.",
])) if {
	subject_is_service
	record := catalog.denies[input.target.service][caller_name]
}

policy_denials contains reason("no_grant", concat("", [
	"No grant lets ", subject_label, ", presenting ", concat(" and ", sort(presented_identities)), ", call ",
	operation_label, "; only team ", target_service.team, ", which owns ", input.target.service,
	", can grant it, and one is needed because ",
	concat(" and ", sort([grant_need_phrase(key) | some key in grant_needed_because])), ".",
])) if {
	grant_judged
	not grant
}

policy_denials contains reason("grant_not_by_owner", concat("", [
	"The grant ", text(grant, "ticket", "(no ticket)"), " for service ", caller_name, " to call ", operation_label,
	" was made by team ", text(grant, "granted_by", "(none recorded)"), ", but only the owning team ",
	target_service.team, " may grant access to ", input.target.service, "; ask team ", target_service.team,
	" to make it.",
])) if {
	grant_judged
	grant
	not owner_grant
}

policy_denials contains reason("grant_expired", concat("", [
	"The grant ", text(grant, "ticket", "(no ticket)"), " for service ", caller_name, " to call ", operation_label,
	" expired at ", grant.expires_at, "; the request was made at ", input.time, ". Team ", target_service.team,
	" may renew it.",
])) if {
	grant_judged
	owner_grant
	is_string(grant.expires_at)
	timestamp_key(grant.expires_at) <= timestamp_key(input.time)
}

policy_denials contains reason("purpose_required", concat("", [
	"Service ", caller_name, " may call ", operation_label, " under grant ", text(grant, "ticket", "(no ticket)"),
	" only for purpose ", text(grant, "purpose", "(none recorded)"), purpose_required_note,
	"; the request must state its purpose (input.purpose).",
])) if {
	grant_judged
	owner_grant
	purpose_bound
	not purpose_stated
}

purpose_required_note := concat("", [", and ", effective_classification, " data always needs a stated purpose"]) if {
	effective_classification_entry.requires_purpose == true
} else := ""

default purpose_stated := false

# A helper rule, not `not is_string(input.purpose)`: a builtin call on an undefined reference under `not` is
# undefined in Rego rather than true.
purpose_stated if is_string(input.purpose)

policy_denials contains reason("purpose_mismatch", concat("", [
	"Service ", caller_name, " may call ", operation_label, " under grant ", text(grant, "ticket", "(no ticket)"),
	" only for purpose ", text(grant, "purpose", "(none recorded)"), ", not for ", input.purpose, ".",
])) if {
	grant_judged
	owner_grant
	purpose_bound
	purpose_stated
	not grant.purpose == input.purpose
}

allow_reasons contains reason("grant_matched", concat("", [
	"Grant ", text(grant, "ticket", "(no ticket)"), " by team ", grant.granted_by, " lets service ", caller_name,
	" call ", operation_label, grant_purpose_phrase, ".",
])) if {
	needs_grant
	owner_grant
}

# Quotes what the caller stated; a grant without a purpose (allowed below restricted data) is for any purpose.
grant_purpose_phrase := concat("", [" for stated purpose ", input.purpose]) if {
	purpose_bound
	purpose_stated
} else := " for any purpose (the grant states none)"

allow_reasons contains reason("same_team_policy", concat("", [
	"Services ", caller_name, " and ", input.target.service, " both belong to team ", target_service.team,
	" in zone ", target_zone, ", and ", input.target.service, " is open to its own team.",
])) if {
	subject_is_service
	not needs_grant
	same_team_open
}

allow_reasons contains reason("open_in_zone_access", concat("", [
	operation_label, " is public and open to every verified service in zone ", target_zone, "; service ",
	caller_name, " needs no grant for it.",
])) if {
	not needs_grant
	open_in_zone
	not same_team_open
	every control in open_in_zone_controls { control_met(control) }
}

default same_team_open := false

same_team_open if {
	caller_service.team == target_service.team
	target_service.same_team_access == "open"
}

# Open data still needs a verified identity and TLS; a zone whose boundary does not demand them hears it here, once.
policy_denials contains control_denial(control, {"from": source_zone, "to": target_zone}) if {
	open_in_zone
	not needs_grant
	some control in open_in_zone_controls
	not control_met(control)
	not boundary_requires(control)
}

# RFC 3339 UTC timestamps compare as strings once cut to whole seconds ("2025-06-01T12:00:00").
timestamp_key(t) := substring(t, 0, 19)
