# People. Customers and other end users come from the internet through the gateway and may use only operations the
# catalog exposes to them. People who run production come from a management host, must be on the production roster
# with the role their identity provider asserts, and may use only the operation categories and access their role
# allows (developers: read logs and metrics; operators: everything, always audited). An identity provider asserting
# a role above the roster's is a possible escalation and denies. Least privilege holds for people too: restricted
# data, and operations the catalog marks requires_break_glass, need a live break-glass entry naming the person, the
# service and the operation (catalog.break_glass[service][user id]); every use is audited and notifies the owner.
# The denials and allow reasons here are collected in human_denials and human_allow_reasons, which join
# policy_denials and allow_reasons behind one subject_is_user check: a service call (the common case) skips them all
# with one lookup.
package clearance.authz

policy_denials contains denial if {
	subject_is_user
	some denial in human_denials
}

allow_reasons contains allow_reason if {
	subject_is_user
	some allow_reason in human_allow_reasons
}

default end_user_request := false

end_user_request if {
	subject_is_user
	source_zone == "internet"
	not direct_internet_attempt
}

default production_request := false

production_request if {
	subject_is_user
	source_zone == "management"
}

# The roster is the security team's word on who may touch production; the identity provider must also assert the
# role, so removing either one removes access.
roster_role := catalog.human_access.roster[input.subject.id].role if production_request

production_role := roster_role if roster_role in input.subject.roles

role_def := catalog.roles[production_role]

end_user_roles contains role if {
	end_user_request
	input.subject.authenticated == true
	some role in input.subject.roles
	catalog.roles[role].end_user == true
}

human_denials contains reason("operation_not_exposed", concat("", [
	operation_label, " is not exposed to end users through the gateway.",
])) if {
	end_user_request
	not operation.exposed == true
}

human_allow_reasons contains reason("end_user_access", concat("", [
	subject_label, " may call ", operation_label, ", which is exposed to signed-in users through the gateway.",
])) if {
	end_user_request
	operation.exposed == true
	input.subject.authenticated == true
}

human_allow_reasons contains reason("anonymous_access", concat("", [
	operation_label, " is public and open to anonymous users through the gateway.",
])) if {
	end_user_request
	operation.exposed == true
	not input.subject.authenticated == true
	operation.anonymous == true
}

human_denials contains reason("no_production_access", concat("", [
	subject_label, " is not on the production roster, so may not use ", operation_label, ".",
])) if {
	production_request
	not roster_role
}

human_denials contains reason("no_production_access", concat("", [
	subject_label, " is on the production roster as ", roster_role,
	", but the identity provider did not assert that role for this request.",
])) if {
	production_request
	roster_role
	not production_role
	count(escalated_roles) == 0
}

# Production roles the identity provider asserts that give more than the roster's role: a wider clearance, tags,
# categories or access. The roster is the security team's word, so this is a possible privilege escalation (a
# mis-mapped group, a forged or replayed token) and is reported as one, whether or not the roster's role is also
# asserted.
escalated_roles contains role if {
	roster_role
	some role in input.subject.roles
	role != roster_role
	catalog.roles[role].production
	role_exceeds(catalog.roles[role], object.get(catalog.roles, roster_role, {}))
}

role_exceeds(higher, lower) if {
	classification_rank(higher.clearance) > object.get(catalog.classifications, [object.get(lower, "clearance", ""), "rank"], -1)
}

role_exceeds(higher, lower) if {
	some key in ["tags_allowed"]
	some item in higher[key]
	not item in object.get(lower, key, [])
}

role_exceeds(higher, lower) if {
	some key in ["categories", "access"]
	some item in higher.production[key]
	not item in object.get(lower, ["production", key], [])
}

human_denials contains reason("role_escalation", concat("", [
	"The identity provider asserts the role ", role, " for ", subject_label, ", but the production roster gives ",
	"the role ", roster_role, " and ", role, " would allow more: a possible privilege escalation (check the identity ",
	"provider's role mapping and this session); denied.",
])) if {
	subject_is_user
	some role in escalated_roles
}

human_denials contains reason("no_production_access", concat("", [
	"The production roster gives ", subject_label, " the role ", roster_role, ", which the catalog does not define.",
])) if {
	production_request
	production_role
	not role_def
}

human_denials contains reason("operation_not_permitted_for_role", concat("", [
	"In production the ", production_role, " role may use only ", list_text(production_categories),
	" operations; ", operation_label, " is in category ", text(operation, "category", "(none)"), ".",
])) if {
	production_request
	role_def
	not category_permitted
}

human_denials contains reason("operation_not_permitted_for_role", concat("", [
	"In production the ", production_role, " role may only ", list_text(production_access), "; ",
	operation_label, " is a ", text(operation, "access", "unclassified"), " operation.",
])) if {
	production_request
	role_def
	not access_permitted
}

human_allow_reasons contains reason("production_access", concat("", [
	subject_label, ", ", production_role, " on the production roster, may use ", operation_label, " (",
	operation.category, ", ", operation.access, ") from management host ", management_host_name, " (",
	input.connection.source_ip, ").",
])) if {
	production_request
	role_def
	category_permitted
	access_permitted
	not break_glass_required
}

default break_glass_required := false

# Break-glass: restricted data (a classification with requires_break_glass) and operations the catalog marks
# requires_break_glass are not routine for people. The role must still allow the operation; the entry adds who,
# which operations, a ticket, a reason and an expiry, and its use is audited and notifies the owning team.
break_glass_required if {
	production_request
	role_def
	effective_classification_entry.requires_break_glass == true
}

else if {
	production_request
	role_def
	operation.requires_break_glass == true
}

break_glass := catalog.break_glass[input.target.service][input.subject.id] if break_glass_required

default break_glass_covers := false

break_glass_covers if operation_key in break_glass.operations

default break_glass_live := false

break_glass_live if {
	is_string(break_glass.expires_at)
	timestamp_key(input.time) < timestamp_key(break_glass.expires_at)
}

default break_glass_used := false

break_glass_used if {
	break_glass_required
	break_glass_covers
	break_glass_live
}

break_glass_cause := concat("", ["touches ", effective_classification, " data"]) if {
	effective_classification_entry.requires_break_glass == true
} else := "is marked requires_break_glass in the catalog"

human_denials contains reason("break_glass_required", concat("", [
	operation_label, " ", break_glass_cause, ", so ", subject_label,
	" needs a break-glass entry for it, and the catalog has none at break_glass.", input.target.service, "[\"",
	input.subject.id, "\"]; file one naming the operations, a ticket, a reason and an expiry.",
])) if {
	subject_is_user
	break_glass_required
	not break_glass
}

human_denials contains reason("break_glass_required", concat("", [
	operation_label, " ", break_glass_cause, ", and the break-glass entry ",
	text(break_glass, "ticket", "(no ticket)"), " for ", subject_label, " on ", input.target.service,
	" covers ", break_glass_scope, ", not ", operation_key, ".",
])) if {
	subject_is_user
	break_glass
	not break_glass_covers
}

break_glass_scope := concat("", ["only ", concat(" or ", break_glass.operations)]) if {
	count(break_glass.operations) > 0
} else := "no operation"

human_denials contains reason("break_glass_expired", concat("", [
	"The break-glass entry ", text(break_glass, "ticket", "(no ticket)"), " for ", subject_label, " on ",
	operation_label, " expired at ", text(break_glass, "expires_at", "(no expiry recorded: break-glass must expire)"),
	"; the request was made at ", input.time, ".",
])) if {
	subject_is_user
	break_glass_covers
	not break_glass_live
}

human_allow_reasons contains reason("break_glass_access", concat("", [
	subject_label, ", ", production_role, " on the production roster, may use ", operation_label,
	" under break-glass ", text(break_glass, "ticket", "(no ticket)"), " (", text(break_glass, "reason", "no reason recorded"),
	") until ", break_glass.expires_at, ", from management host ", management_host_name, " (",
	input.connection.source_ip, "); the use is audited and team ", target_service.team, " is notified.",
])) if {
	subject_is_user
	category_permitted
	access_permitted
	break_glass_used
}

default category_permitted := false

# Helper rules keep a missing category or access a denial: under `not`, a builtin call on an undefined reference is
# undefined rather than true.
category_permitted if operation.category in production_categories

default access_permitted := false

access_permitted if operation.access in production_access

production_categories := role_def.production.categories if is_array(role_def.production.categories)

else := []

production_access := role_def.production.access if is_array(role_def.production.access)

else := []

list_text(items) := "no" if count(items) == 0

else := concat(" or ", items)
