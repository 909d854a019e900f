# The entrypoints' shape and the order of precedence.
package clearance.authz_test

import data.clearance.authz

charge := service_call(spiffe("orders"), "payments", rpc("payments.v1.Payments/Charge"))

charge_for_checkout := object.union(charge, {"purpose": "checkout"})

test_decision_has_exactly_allow_reasons_obligations if {
	d := decide(charge_for_checkout)
	object.keys(d) == {"allow", "reasons", "obligations"}
	d.allow == true
}

test_allow_entrypoint_matches_decision if {
	authz.allow with input as charge_for_checkout
	not authz.allow with input as charge
}

test_allowed_decision_says_why if {
	says(charge_for_checkout, "grant_matched", "Grant SEC-101 by team payments lets service orders call payments")
}

test_denied_decision_has_no_obligations if {
	decide(charge).allow == false
	decide(charge).obligations == []
}

test_reasons_sorted_by_code_then_message if {
	i := staff_call("dana@shop.example", ["developer"], "orders", http("POST", "/orders/{id}/refund"))
	reasons := decide(i).reasons
	count(reasons) == 3
	reasons == sort(reasons)
	reasons[0].code == "classification_exceeds_clearance"
}

test_obligations_ordered_by_type if {
	types := [o.type | some o in decide(charge_for_checkout).obligations]
	types == ["audit", "mask_fields"]
}

test_input_errors_come_before_everything if {
	i := object.union(charge_for_checkout, {"connection": {"tls": "yes"}})
	codes(i) == {"invalid_field"}
}

test_revocation_beats_a_grant if {
	i := object.union(charge_for_checkout, {"subject": {"spiffe_id": "spiffe://shop.example/ns/batch/sa/reporting-job"}})
	codes(i) == {"identity_revoked"}
}

test_resolution_errors_hide_policy_denials if {
	i := object.union(charge, {"target": {"service": "inventory"}})
	codes(i) == {"unknown_service"}
}

test_explicit_deny_beats_a_grant if {
	i := service_call(spiffe("analytics"), "payments", rpc("payments.v1.Payments/GetStatus"))
	authz.grant with input as i
	codes(i) == {"explicitly_denied"}
}

test_every_policy_denial_is_reported if {
	i := object.union(charge, {"connection": {"mtls": false}, "purpose": "marketing"})
	codes(i) == {"mtls_required", "purpose_mismatch"}
}

test_default_deny_when_no_rule_allows if {
	# Without the boundary's authentication requirement nothing denies an anonymous cart read, but nothing allows
	# it either: the cart is not open to anonymous callers.
	i := anonymous_call("gateway", http("POST", "/session"))
	cart := object.union(i, {"target": {"service": "web", "operation": http("GET", "/cart")}})
	d := authz.decision with input as cart
		with authz.catalog as catalog_patched([
			[["boundaries", "internet", "edge", "requires"], ["tls"]],
			[["services", "web", "operations", "GET /cart", "classification"], "public"],
		])
	d.allow == false
	[r.code | some r in d.reasons] == ["default_deny"]
	contains(d.reasons[0].message, "No rule allows an anonymous user (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway) to call web GET /cart")
}

test_subject_label_for_each_kind_of_caller if {
	service := authz.subject_label with input as charge
	service == "service orders"
	customer := authz.subject_label with input as customer_call("web", http("GET", "/cart"))
	customer == "user carol@example.net (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway)"
	anonymous := authz.subject_label with input as anonymous_call("web", http("GET", "/cart"))
	anonymous == "an anonymous user (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway)"
	nobody := authz.subject_label with input as {}
	nobody == "the caller"
	unknown_input := object.union(charge, {"subject": {"spiffe_id": spiffe("nobody")}})
	unknown := authz.subject_label with input as unknown_input
	unknown == "the service presenting spiffe://shop.example/ns/prod/sa/nobody"
}

test_operation_label_without_service if {
	label := authz.operation_label with input as {}
	label == "the requested operation"
}
