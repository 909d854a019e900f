# Clearance's decision: may this caller perform this operation on this service, touching this data?
#
# This file owns the two entrypoints and the order of precedence; the rules live beside it:
#   input.rego       the input's shape (stage 1; a one-pass fast path, per-field explanations only on failure)
#   resolve.rego     names and identities looked up in the catalog, revocation (stage 2)
#   boundaries.rego  zone crossings and the controls each one requires (stage 3)
#   services.rego    service-to-service: explicit denies, grants, same-team policy (stage 3)
#   humans.rego      end users through the gateway, people running production (stage 3)
#   data_access.rego classification and tags against the caller's clearance (stage 3)
#   obligations.rego what the caller must still do when it is allowed
#
# Precedence: the first stage with a denial decides, so a malformed input is reported as such and a revoked
# identity is denied before any grant is looked at. Within stage 3 every denial is reported and any denial beats
# every grant. With no denial at all, a request is allowed only if a rule said why (allow_reasons); otherwise it is
# denied by default. Every lookup is by key in data.clearance.catalog: the cost of a decision does not depend on how
# many services, grants or identities the catalog holds.
#
# Cost in OPA's wasm (the build Clearance runs): every reference to a rule is a call and a memo lookup (an array load in
# Clearance, engine/policy/memo-table.ts; a hash lookup in OPA's own wasm runtime), and only a defined result is
# memoized. So helper booleans default to false (an undefined one ran again on every reference), rules with several
# bodies that only ask "is any true" are else chains (the planner runs every body of a rule), rules that apply to one
# kind of caller are grouped behind one memoized check, and the fast input check reads each field once.
# bench/policy-ab.ts times a change against a baseline folder after checking both answer every scenario alike.
package clearance.authz

# METADATA
# title: Clearance decision
# description: >-
#   {"allow": bool, "reasons": [{"code", "message"}], "obligations": [{"type", ...}]}.
#   Reasons are sorted by code then message; obligations are sorted by type and are empty when the request is
#   denied. See docs/model.md for the codes and obligation types.
# entrypoint: true
decision := {
	"allow": allowed,
	"reasons": reasons,
	"obligations": obligations,
}

# METADATA
# title: Clearance boolean decision
# description: The same answer as decision.allow, for clients that only want a boolean.
# entrypoint: true
allow := decision.allow

denials := input_errors if {
	count(input_errors) > 0
} else := resolution_errors if {
	count(resolution_errors) > 0
} else := policy_denials

default allowed := false

allowed if {
	count(denials) == 0
	count(allow_reasons) > 0
}

reasons := sort(denials) if {
	count(denials) > 0
} else := sort(allow_reasons) if {
	allowed
} else := [reason(
	"default_deny",
	concat("", ["No rule allows ", subject_label, " to call ", operation_label, "; access is denied by default."]),
)]

# Sorted by type (then by content), so the list reads the same on every evaluation: one sort of [type, obligation]
# pairs, rather than a scan of the set for each type.
obligations := [pair[1] | some pair in sort([[o.type, o] | some o in obligation_set])] if {
	allowed
} else := []

reason(code, message) := {"code": code, "message": message}

# Short labels used in messages, e.g. "orders GET /orders/{id}", "service web" and "user carol@example.net (relayed
# by the gateway as spiffe://shop.example/ns/edge/sa/gateway)".
operation_label := concat(" ", [input.target.service, operation_key]) if {
	is_string(input.target.service)
} else := "the requested operation"

subject_label := concat(" ", ["service", caller_name]) if {
	subject_is_service
} else := concat(" ", ["the service presenting", concat(" and ", sort(presented_identities))]) if {
	subject_is_service
	count(presented_identities) > 0
} else := concat("", ["user ", input.subject.id, relay_phrase]) if {
	subject_is_user
	is_string(input.subject.id)
} else := concat("", ["an anonymous user", relay_phrase]) if {
	subject_is_user
} else := "the caller"

# A person's request the gateway relayed says so, and by which identity.
relay_phrase := concat("", [" (relayed by the gateway as ", gateway_identity, ")"]) if relayed

else := ""
