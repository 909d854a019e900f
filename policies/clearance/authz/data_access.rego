# Data: the classification and tags of what an operation returns or changes, against what the caller is cleared
# for. The catalog's classification of an operation is a floor: input.resource may raise it (a restricted record
# behind an internal route) but never lower it. An operation with an unknown classification counts as restricted;
# a caller with an unknown clearance counts as cleared for public data only.
package clearance.authz

classification_rank(name) := catalog.classifications[name].rank

operation_classification := operation.classification if {
	catalog.classifications[operation.classification]
} else := "restricted"

effective_classification := input.resource.classification if {
	classification_rank(input.resource.classification) > classification_rank(operation_classification)
} else := operation_classification

# The catalog's entry for the effective classification, looked up once for the rules that read its rank and flags.
effective_classification_entry := catalog.classifications[effective_classification]

effective_tags := {tag | some tag in operation.tags} | {tag | some tag in input.resource.tags}

# Who is cleared for what: a service by its catalog entry, a person in production by their roster role, an end user
# by the best end-user role the identity provider asserts (anonymous: public).
subject_clearance := caller_service.clearance if {
	subject_is_service
} else := role_def.clearance if {
	production_request
} else := end_user_clearance if {
	end_user_request
}

end_user_clearance := clearance if {
	some role in end_user_roles
	clearance := catalog.roles[role].clearance
	every other in end_user_roles {
		classification_rank(catalog.roles[other].clearance) <= classification_rank(clearance)
	}
} else := "public"

subject_tags_allowed := {tag | some tag in caller_service.tags_allowed} if {
	subject_is_service
} else := {tag | some tag in role_def.tags_allowed} if {
	production_request
} else := {tag | some role in end_user_roles; some tag in catalog.roles[role].tags_allowed}

default clearance_applies := false

# Clearance is judged once we know who the caller is; an unknown person in production is denied by humans.rego.
clearance_applies if subject_is_service

else if end_user_request

else if {
	production_request
	role_def
}

subject_clearance_rank := rank if {
	rank := classification_rank(subject_clearance)
	is_number(rank)
} else := 0

policy_denials contains reason("classification_exceeds_clearance", concat("", [
	operation_label, " touches ", effective_classification, " data, but ", subject_label, " is cleared only up to ",
	clearance_name, ".",
])) if {
	clearance_applies
	effective_classification_entry.rank > subject_clearance_rank
}

clearance_name := subject_clearance if catalog.classifications[subject_clearance]

else := "public"

policy_denials contains reason("mtls_required", concat("", [
	operation_label, " touches ", effective_classification, " data, which may only travel over mutual TLS.",
])) if {
	effective_classification_entry.requires_mtls == true
	not input.connection.mtls == true
	not boundary_requires("mtls") # reported once, by the boundary
}

# Tags the caller is not allowed: masked when the catalog names the fields that carry them, denied otherwise.
unpermitted_tags contains tag if {
	clearance_applies
	some tag in effective_tags
	not tag in subject_tags_allowed
}

policy_denials contains reason("tag_not_permitted", concat("", [
	operation_label, " touches ", tag, " data; ", subject_label, " is not allowed ", tag,
	" data and the catalog names no fields to mask.",
])) if {
	some tag in unpermitted_tags
	not maskable(tag)
}

maskable(tag) if count(operation.mask[tag]) > 0

fields_to_mask contains field if {
	some tag in unpermitted_tags
	some field in operation.mask[tag]
}
