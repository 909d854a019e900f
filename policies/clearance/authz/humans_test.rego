# People: end users through the gateway and people running production.
package clearance.authz_test

import data.clearance.authz

direct_to_gateway(i) := object.union(object.remove(i, ["connection"]), {"connection": {
	"tls": true, "mtls": false, "via_gateway": false, "source_ip": "203.0.113.7",
}})

test_customer_uses_exposed_operation if {
	i := customer_call("web", http("POST", "/checkout"))
	codes(i) == {"end_user_access"}
	says(i, "end_user_access", "user carol@example.net (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway) may call web POST /checkout")
}

test_anonymous_visitor_uses_anonymous_operation if {
	i := anonymous_call("search", http("GET", "/search"))
	codes(i) == {"anonymous_access"}
	says(i, "anonymous_access", "search GET /search is public and open to anonymous users")
}

test_signed_in_user_on_anonymous_operation_is_an_end_user if {
	codes(customer_call("web", http("GET", "/products"))) == {"end_user_access"}
}

test_unexposed_operation_denied_to_end_users if {
	i := customer_call("orders", http("GET", "/orders/export"))
	codes(i) == {"operation_not_exposed"}
	says(i, "operation_not_exposed", "orders GET /orders/export is not exposed to end users through the gateway.")
}

test_gateway_own_internal_operation_not_exposed if {
	codes(direct_to_gateway(customer_call("gateway", http("GET", "/metrics")))) == {"operation_not_exposed"}
}

test_sign_in_at_the_gateway_is_anonymous if {
	codes(direct_to_gateway(anonymous_call("gateway", http("POST", "/session")))) == {"anonymous_access"}
}

test_operator_on_roster_from_bastion_allowed if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("POST", "/orders/{id}/refund"))
	codes(i) == {"production_access"}
	says(i, "production_access", "user alice@shop.example, operator on the production roster, may use orders POST /orders/{id}/refund (admin, write) from management host bastion-a (10.20.0.11).")
}

test_unnamed_management_host_still_a_management_host if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["human_access", "management_hosts"], {"10.20.0.11": {}})
	d.allow
	contains(d.reasons[0].message, "from management host unnamed (10.20.0.11)")
}

test_developer_reads_metrics if {
	codes(staff_call("erin@shop.example", ["developer"], "web", http("GET", "/metrics"))) == {"production_access"}
}

test_developer_may_not_write if {
	i := staff_call("dana@shop.example", ["developer"], "orders", http("POST", "/orders/{id}/refund"))
	says(i, "operation_not_permitted_for_role", "In production the developer role may only read; orders POST /orders/{id}/refund is a write operation.")
	says(i, "operation_not_permitted_for_role", "In production the developer role may use only logs or metrics operations; orders POST /orders/{id}/refund is in category admin.")
}

test_developer_may_not_read_business_data if {
	i := staff_call("dana@shop.example", ["developer"], "catalog", http("GET", "/products"))
	codes(i) == {"operation_not_permitted_for_role"}
}

test_person_not_on_roster_denied if {
	i := staff_call("mallory@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	codes(i) == {"no_production_access"}
	says(i, "no_production_access", "user mallory@shop.example is not on the production roster, so may not use orders GET /metrics.")
}

test_roster_role_must_be_asserted if {
	i := staff_call("bob@shop.example", ["developer"], "orders", http("GET", "/metrics"))
	codes(i) == {"no_production_access"}
	says(i, "no_production_access", "on the production roster as operator, but the identity provider did not assert that role")
}

test_roster_role_must_be_defined if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["human_access", "roster", "alice@shop.example", "role"], "wizard")
		with input.subject.roles as ["wizard"]
	[r.code | some r in d.reasons] == ["no_production_access"]
	contains(d.reasons[0].message, "the role wizard, which the catalog does not define")
}

test_role_without_production_block_may_do_nothing if {
	i := staff_call("alice@shop.example", ["customer"], "orders", http("GET", "/metrics"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["human_access", "roster", "alice@shop.example", "role"], "customer")
	"operation_not_permitted_for_role" in {r.code | some r in d.reasons}
	some r in d.reasons
	contains(r.message, "the customer role may use only no operations")
}

test_uncategorised_operation_denied_to_people if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["services", "orders", "operations", "GET /metrics"], {"classification": "internal", "tags": []})
	d.allow == false
	{r.message | some r in d.reasons} == {
		"In production the operator role may use only business or admin or logs or metrics operations; orders GET /metrics is in category (none).",
		"In production the operator role may only read or write; orders GET /metrics is a unclassified operation.",
	}
}

test_anonymous_person_on_bastion_denied if {
	i := object.union(staff_call("x", [], "orders", http("GET", "/metrics")), {"subject": {"authenticated": false}})
	"no_production_access" in codes(i)
}

# Break-glass: least privilege for people.
refund_card(id) := object.union(staff_call(id, ["operator"], "payments", rpc("payments.v1.Payments/Refund")), {"connection": {"mtls": true}})

test_operator_needs_break_glass_for_restricted_data if {
	i := object.union(staff_call("alice@shop.example", ["operator"], "payments", rpc("payments.v1.Payments/Charge")), {"connection": {"mtls": true}})
	[r.code | some r in decide(i).reasons] == ["break_glass_required"]
	says(i, "break_glass_required", "payments payments.v1.Payments/Charge touches restricted data, so user alice@shop.example needs a break-glass entry")
	says(i, "break_glass_required", "break_glass.payments[\"alice@shop.example\"]")
}

test_break_glass_allows_audits_and_notifies if {
	i := refund_card("bob@shop.example")
	d := decide(i)
	d.allow == true
	[r.code | some r in d.reasons] == ["break_glass_access"]
	says(i, "break_glass_access", "under break-glass INC-3107 (refund customers double-charged")
	says(i, "break_glass_access", "until 2025-06-01T18:00:00Z")
	d.obligations == [{"type": "audit"}, {"type": "notify", "team": "payments", "ticket": "INC-3107"}]
}

test_break_glass_is_per_person if {
	codes(refund_card("alice@shop.example")) == {"break_glass_required"}
}

test_break_glass_is_per_operation if {
	i := object.union(refund_card("bob@shop.example"), {"target": {"operation": rpc("payments.v1.Payments/Charge")}})
	codes(i) == {"break_glass_required"}
	says(i, "break_glass_required", "covers only payments.v1.Payments/Refund, not payments.v1.Payments/Charge.")
}

test_break_glass_expires if {
	before := object.union(refund_card("bob@shop.example"), {"time": "2025-06-01T17:59:59.999Z"})
	codes(before) == {"break_glass_access"}
	at := object.union(refund_card("bob@shop.example"), {"time": "2025-06-01T18:00:00Z"})
	codes(at) == {"break_glass_expired"}
	says(at, "break_glass_expired", "expired at 2025-06-01T18:00:00Z; the request was made at 2025-06-01T18:00:00Z.")
}

test_break_glass_without_expiry_is_expired if {
	d := authz.decision with input as refund_card("bob@shop.example")
		with authz.catalog as catalog_with(["break_glass", "payments", "bob@shop.example"], {"operations": ["payments.v1.Payments/Refund"]})
	[r.code | some r in d.reasons] == ["break_glass_expired"]
	contains(d.reasons[0].message, "The break-glass entry (no ticket) for user bob@shop.example")
	contains(d.reasons[0].message, "(no expiry recorded: break-glass must expire)")
}

test_break_glass_entry_without_operations_covers_nothing if {
	d := authz.decision with input as refund_card("bob@shop.example")
		with authz.catalog as catalog_with(["break_glass", "payments", "bob@shop.example"], {"ticket": "INC-1", "expires_at": "2030-01-01T00:00:00Z"})
	[r.code | some r in d.reasons] == ["break_glass_required"]
	contains(d.reasons[0].message, "covers no operation, not payments.v1.Payments/Refund")
}

test_break_glass_does_not_widen_a_role if {
	# A developer with an entry is still a developer: the role decides what, the entry only unlocks it.
	i := object.union(staff_call("dana@shop.example", ["developer"], "payments", rpc("payments.v1.Payments/Refund")), {"connection": {"mtls": true}})
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["break_glass", "payments", "dana@shop.example"], data.clearance.catalog.break_glass.payments["bob@shop.example"])
	d.allow == false
	"operation_not_permitted_for_role" in {r.code | some r in d.reasons}
	not "break_glass_access" in {r.code | some r in d.reasons}
}

test_marked_operation_needs_break_glass_below_restricted if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/orders/export"))
	codes(i) == {"break_glass_required"}
	says(i, "break_glass_required", "orders GET /orders/export is marked requires_break_glass in the catalog")
}

test_routine_operator_work_needs_no_break_glass if {
	codes(staff_call("alice@shop.example", ["operator"], "orders", http("POST", "/orders/{id}/refund"))) == {"production_access"}
	codes(staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/logs"))) == {"production_access"}
	obligation_types(staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/logs"))) == {"audit"}
}

test_break_glass_for_raised_classification if {
	i := object.union(staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/orders/{id}")), {"resource": {"classification": "restricted"}})
	"break_glass_required" in codes(i)
}

# Asserted roles above the roster's.
test_asserting_a_higher_role_is_a_possible_escalation if {
	i := staff_call("dana@shop.example", ["operator"], "orders", http("GET", "/logs"))
	[r.code | some r in decide(i).reasons] == ["role_escalation"]
	says(i, "role_escalation", "asserts the role operator for user dana@shop.example, but the production roster gives the role developer")
	says(i, "role_escalation", "possible privilege escalation")
}

test_asserting_a_higher_role_beside_the_roster_role_is_an_escalation if {
	i := staff_call("dana@shop.example", ["developer", "operator"], "orders", http("GET", "/logs"))
	[r.code | some r in decide(i).reasons] == ["role_escalation"]
}

test_asserting_a_lower_or_end_user_role_is_not_an_escalation if {
	codes(staff_call("alice@shop.example", ["operator", "developer"], "orders", http("GET", "/logs"))) == {"production_access"}
	codes(staff_call("dana@shop.example", ["developer", "customer"], "orders", http("GET", "/logs"))) == {"production_access"}
	codes(staff_call("dana@shop.example", ["customer"], "orders", http("GET", "/logs"))) == {"no_production_access"}
}

test_escalation_judged_on_each_privilege if {
	# A role as cleared as the roster's but with one more tag, category or access is still more.
	base := {"clearance": "internal", "tags_allowed": [], "production": {"categories": ["logs"], "access": ["read"]}}
	i := staff_call("dana@shop.example", ["auditor"], "orders", http("GET", "/logs"))
	every extra in [
		{"tags_allowed": ["pii"]},
		{"production": {"categories": ["logs", "admin"]}},
		{"production": {"access": ["read", "write"]}},
	] {
		d := authz.decision with input as i with authz.catalog as catalog_with(["roles", "auditor"], object.union(base, extra))
		[r.code | some r in d.reasons] == ["role_escalation"]
	}
	same := authz.decision with input as i with authz.catalog as catalog_with(["roles", "auditor"], base)
	[r.code | some r in same.reasons] == ["no_production_access"]
}
