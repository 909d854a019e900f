# Classification and tags against the caller's clearance.
package clearance.authz_test

import data.clearance.authz

test_service_cleared_below_data_denied if {
	# catalog (cleared to internal) asking analytics for a confidential export it has no grant for.
	i := service_call(spiffe("catalog"), "orders", http("GET", "/orders/export"))
	"classification_exceeds_clearance" in codes(i)
	says(i, "classification_exceeds_clearance", "orders GET /orders/export touches confidential data, but service catalog is cleared only up to internal.")
}

test_resource_can_raise_classification if {
	i := object.union(service_call(spiffe("web"), "orders", http("GET", "/orders/{id}")), {
		"resource": {"classification": "restricted"}, "purpose": "order_status",
	})
	c := authz.effective_classification with input as i
	c == "restricted"
	codes(i) == {"classification_exceeds_clearance"}
}

test_resource_cannot_lower_classification if {
	i := object.union(service_call(spiffe("web"), "orders", http("GET", "/orders/{id}")), {"resource": {"classification": "public"}})
	c := authz.effective_classification with input as i
	c == "confidential"
}

test_resource_adds_tags if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"purpose": "checkout", "resource": {"classification": "internal", "tags": ["credentials"]}})
	tags := authz.effective_tags with input as i
	tags == {"pii", "credentials"}
	codes(i) == {"tag_not_permitted"}
	says(i, "tag_not_permitted", "orders POST /orders touches credentials data; service web is not allowed credentials data and the catalog names no fields to mask.")
}

test_unknown_operation_classification_counts_as_restricted if {
	i := service_call(spiffe("web"), "catalog", http("GET", "/products"))
	c := authz.effective_classification with input as i
		with authz.catalog as catalog_with(["services", "catalog", "operations", "GET /products", "classification"], "top-secret")
	c == "restricted"
}

test_unknown_service_clearance_counts_as_public if {
	i := service_call(spiffe("search"), "catalog", http("PUT", "/products/{id}"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "search", "clearance"], "cosmic")
	"classification_exceeds_clearance" in {r.code | some r in d.reasons}
	some r in d.reasons
	contains(r.message, "is cleared only up to public")
}

test_anonymous_visitor_cleared_for_public_only if {
	c := authz.subject_clearance with input as anonymous_call("web", http("GET", "/cart"))
	c == "public"
	says(anonymous_call("web", http("GET", "/cart")), "classification_exceeds_clearance", "an anonymous user (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway) is cleared only up to public")
}

test_end_user_clearance_is_best_end_user_role if {
	i := customer_call("web", http("POST", "/checkout"))
	c := authz.subject_clearance with input as i
		with authz.catalog as catalog_with(["roles", "vip"], {"end_user": true, "clearance": "internal", "tags_allowed": []})
		with input.subject.roles as ["vip", "customer", "operator"]
	c == "confidential"
}

test_staff_roles_give_no_end_user_clearance if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"subject": {"roles": ["operator"]}})
	c := authz.subject_clearance with input as i
	c == "public"
	"classification_exceeds_clearance" in codes(i)
}

test_person_clearance_from_roster_role if {
	c := authz.subject_clearance with input as staff_call("dana@shop.example", ["developer"], "orders", http("GET", "/logs"))
	c == "internal"
}

test_restricted_data_requires_mtls_for_people_too if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	raised := object.union(i, {"resource": {"classification": "restricted"}})
	codes(raised) == {"mtls_required", "break_glass_required"}
	says(raised, "mtls_required", "orders GET /metrics touches restricted data, which may only travel over mutual TLS.")
}

test_unpermitted_tag_with_mask_fields_is_masked if {
	i := order_export(spiffe("analytics"))
	d := decide(i)
	d.allow
	{"type": "mask_fields", "fields": ["customer.email", "customer.name", "customer.phone", "shipping.address"]} in d.obligations
}

test_permitted_tag_is_not_masked if {
	i := object.union(service_call(spiffe("orders"), "customers", rpc("customers.v1.Customers/Get")), {"purpose": "shipping"})
	not "mask_fields" in obligation_types(i)
}

test_unpermitted_tag_without_mask_denied if {
	i := staff_call("dana@shop.example", ["developer"], "payments", http("GET", "/logs"))
	says(i, "tag_not_permitted", "payments GET /logs touches pci data; user dana@shop.example is not allowed pci data")
}
