# People. Customers and other end users come from the internet through the gateway and may use only operations the
# catalog exposes to them. People who run production come from a management host, must be on the production roster
# with the role their identity provider asserts, and may use only the operation categories and access their role
# allows (developers: read logs and metrics; operators: everything, always audited).
package clearance.authz

end_user_request if {
	subject_is_user
	source_zone == "internet"
	not direct_internet_attempt
}

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

policy_denials contains reason("operation_not_exposed", concat("", [
	operation_label, " is not exposed to end users through the gateway.",
])) if {
	end_user_request
	not operation.exposed == true
}

allow_reasons contains reason("end_user_access", concat("", [
	subject_label, " may call ", operation_label, ", which is exposed to signed-in users through the gateway.",
])) if {
	end_user_request
	operation.exposed == true
	input.subject.authenticated == true
}

allow_reasons contains reason("anonymous_access", concat("", [
	operation_label, " is public and open to anonymous users through the gateway.",
])) if {
	end_user_request
	operation.exposed == true
	not input.subject.authenticated == true
	operation.anonymous == true
}

policy_denials contains reason("no_production_access", concat("", [
	subject_label, " is not on the production roster, so may not use ", operation_label, ".",
])) if {
	production_request
	not roster_role
}

policy_denials contains reason("no_production_access", concat("", [
	subject_label, " is on the production roster as ", roster_role,
	", but the identity provider did not assert that role for this request.",
])) if {
	roster_role
	not production_role
}

policy_denials contains reason("no_production_access", concat("", [
	"The production roster gives ", subject_label, " the role ", roster_role, ", which the catalog does not define.",
])) if {
	production_role
	not role_def
}

policy_denials contains reason("operation_not_permitted_for_role", concat("", [
	"In production the ", production_role, " role may use only ", list_text(production_categories),
	" operations; ", operation_label, " is in category ", text(operation, "category", "(none)"), ".",
])) if {
	role_def
	not category_permitted
}

policy_denials contains reason("operation_not_permitted_for_role", concat("", [
	"In production the ", production_role, " role may only ", list_text(production_access), "; ",
	operation_label, " is a ", text(operation, "access", "unclassified"), " operation.",
])) if {
	role_def
	not access_permitted
}

allow_reasons contains reason("production_access", concat("", [
	subject_label, ", ", production_role, " on the production roster, may use ", operation_label, " (",
	operation.category, ", ", operation.access, ") from management host ", management_host_name, " (",
	input.connection.source_ip, ").",
])) if {
	role_def
	category_permitted
	access_permitted
}

# Helper rules keep a missing category or access a denial: under `not`, a builtin call on an undefined reference is
# undefined rather than true.
category_permitted if operation.category in production_categories

access_permitted if operation.access in production_access

production_categories := role_def.production.categories if is_array(role_def.production.categories)

else := []

production_access := role_def.production.access if is_array(role_def.production.access)

else := []

list_text(items) := "no" if count(items) == 0

else := concat(" or ", items)
