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
