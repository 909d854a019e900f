# Stage 2: names the catalog does not know, identities that disagree, and revoked identities.
package clearance.authz_test

import data.clearance.authz

admin_console_fp := "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

retired_admin_console_fp := "sha256:3b7a1c0e5d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"

test_unknown_service_denied if {
	i := service_call(spiffe("web"), "inventory", http("GET", "/stock"))
	codes(i) == {"unknown_service"}
	says(i, "unknown_service", "The catalog has no service named \"inventory\".")
}

test_unknown_operation_denied if {
	i := service_call(spiffe("web"), "orders", http("DELETE", "/orders/{id}"))
	codes(i) == {"unknown_operation"}
	says(i, "unknown_operation", "Service orders has no operation \"DELETE /orders/{id}\"")
}

test_raw_url_is_not_a_route_template if {
	codes(service_call(spiffe("web"), "orders", http("GET", "/orders/1234"))) == {"unknown_operation"}
}

test_rpc_operation_looked_up_by_name if {
	key := authz.operation_key with input as service_call(spiffe("orders"), "payments", rpc("payments.v1.Payments/Charge"))
	key == "payments.v1.Payments/Charge"
}

test_unknown_identity_denied if {
	i := service_call(spiffe("crypto-miner"), "orders", http("GET", "/orders/{id}"))
	codes(i) == {"unknown_identity"}
	says(i, "unknown_identity", "spiffe://shop.example/ns/prod/sa/crypto-miner is not in the catalog")
}

test_identity_mapped_to_missing_service_denied if {
	i := service_call(spiffe("ghost"), "orders", http("GET", "/orders/{id}"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["identities"], {"spiffe://shop.example/ns/prod/sa/ghost": "ghost"})
	[r.code | some r in d.reasons] == ["unknown_identity"]
	contains(d.reasons[0].message, "names service ghost, which is not in the catalog")
}

test_certificate_fingerprint_identifies_a_service if {
	i := object.union(
		object.remove(service_call("", "orders", http("POST", "/orders/{id}/refund")), ["subject"]),
		{"subject": {"type": "service", "cert_fingerprint": admin_console_fp, "authenticated": true}, "purpose": "customer_support"},
	)
	name := authz.caller_name with input as i
	name == "admin-console"
	codes(i) == {"grant_matched"}
}

test_identities_of_two_services_denied if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"subject": {"cert_fingerprint": admin_console_fp}})
	codes(i) == {"identity_mismatch"}
	says(i, "identity_mismatch", "different services (admin-console, web)")
}

test_revoked_spiffe_id_denied if {
	i := object.union(
		service_call("spiffe://shop.example/ns/batch/sa/reporting-job", "payments", rpc("payments.v1.Payments/ListSettlements")),
		{"purpose": "finance_reporting"},
	)
	codes(i) == {"identity_revoked"}
	says(i, "identity_revoked", "revoked on 2025-03-02T09:15:00Z (INC-2041: its private key was printed in CI logs)")
}

test_revoked_certificate_denied_even_with_a_valid_spiffe_id if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"subject": {"cert_fingerprint": retired_admin_console_fp}})
	"identity_revoked" in codes(i)
}

test_revoked_identity_not_in_identities_map_still_revoked if {
	i := service_call(spiffe("old"), "orders", http("GET", "/orders/{id}"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["revoked"], {"spiffe://shop.example/ns/prod/sa/old": {}})
	[r.code | some r in d.reasons] == ["identity_revoked"]
	contains(d.reasons[0].message, "revoked on an unrecorded date (no ticket: no reason recorded)")
}

test_revocation_record_of_any_shape_revokes if {
	i := service_call(spiffe("orders"), "customers", rpc("customers.v1.Customers/Get"))
	d := authz.decision with input as object.union(i, {"purpose": "shipping"})
		with authz.catalog as catalog_with(["revoked"], {"spiffe://shop.example/ns/prod/sa/orders": false})
	[r.code | some r in d.reasons] == ["identity_revoked"]
}

test_revoked_gateway_identity_denies_relayed_requests if {
	i := customer_call("web", http("POST", "/checkout"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["revoked"], {"spiffe://shop.example/ns/edge/sa/gateway": {"revoked_at": "2025-05-01T00:00:00Z", "reason": "compromised", "ticket": "INC-1"}})
	[r.code | some r in d.reasons] == ["identity_revoked"]
}
