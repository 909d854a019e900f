# Obligations attached to allowed decisions.
package clearance.authz_test

import data.clearance.authz

test_confidential_data_is_audited if {
	obligation_types(object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"purpose": "checkout"})) == {"audit"}
}

test_public_data_in_the_mesh_is_not_audited if {
	obligation_types(service_call(spiffe("web"), "catalog", http("GET", "/products"))) == set()
}

test_boundary_audit_applies_regardless_of_data if {
	i := staff_call("alice@shop.example", ["operator"], "catalog", http("GET", "/metrics"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["boundaries", "management", "internal", "audit"], false)
	{o.type | some o in d.obligations} == {"audit"}
	i2 := service_call(spiffe("search"), "catalog", http("GET", "/metrics"))
	d2 := authz.decision with input as i2 with authz.catalog as catalog_with(["boundaries", "internal", "internal", "audit"], true)
	{o.type | some o in d2.obligations} == {"audit"}
}

test_internet_traffic_rate_limited_by_authentication if {
	{"type": "rate_limit", "class": "internet_user"} in decide(customer_call("web", http("GET", "/cart"))).obligations
	{"type": "rate_limit", "class": "internet_anonymous"} in decide(anonymous_call("web", http("GET", "/products"))).obligations
}

test_permissive_mtls_becomes_an_obligation if {
	i := object.union(service_call(spiffe("search"), "catalog", http("GET", "/products/{id}")), {"connection": {"mtls": false}})
	codes(i) == {"same_team_policy"}
	obligation_types(i) == {"require_mtls"}
}

test_end_user_restricted_to_own_records if {
	{"type": "restrict_to_owner", "field": "customer_id"} in decide(customer_call("orders", http("GET", "/orders/{id}"))).obligations
}

test_anonymous_operation_has_no_owner_restriction if {
	not "restrict_to_owner" in obligation_types(anonymous_call("web", http("GET", "/products")))
}

test_denied_decision_drops_obligations if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"connection": {"mtls": false}})
	decide(i).obligations == []
	pending := authz.obligation_set with input as i
	count(pending) > 0
}
