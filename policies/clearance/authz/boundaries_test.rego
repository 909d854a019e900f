# Zones and boundary controls.
package clearance.authz_test

import data.clearance.authz

test_source_zone_of_a_service_is_its_catalog_zone if {
	z := authz.source_zone with input as service_call(spiffe("web"), "orders", http("POST", "/orders"))
	z == "internal"
}

test_person_on_management_host_is_in_management_zone if {
	z := authz.source_zone with input as staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics"))
	z == "management"
}

test_management_host_through_gateway_counts_as_internet if {
	i := object.union(customer_call("web", http("GET", "/cart")), {"connection": {"source_ip": "10.20.0.11"}})
	z := authz.source_zone with input as i
	z == "internet"
}

test_relayed_request_crosses_internet_edge_and_edge_target if {
	c := authz.crossings with input as customer_call("web", http("GET", "/cart"))
	c == {{"from": "internet", "to": "edge"}, {"from": "edge", "to": "internal"}}
}

test_request_to_the_edge_crosses_one_boundary if {
	c := authz.crossings with input as anonymous_call("gateway", http("POST", "/session"))
	c == {{"from": "internet", "to": "edge"}}
}

test_internet_may_not_reach_internal_directly if {
	i := customer_call("orders", http("GET", "/orders/{id}"))
	direct := object.union(object.remove(i, ["connection"]), {"connection": {
		"tls": true, "mtls": false, "via_gateway": false, "source_ip": "203.0.113.7",
	}})
	codes(direct) == {"direct_internet_access"}
	says(direct, "direct_internet_access", "orders is in zone internal and the request did not come through the gateway")
}

test_roster_member_off_the_allow_list_is_told_why if {
	i := staff_call("alice@shop.example", ["operator"], "orders", http("POST", "/orders/{id}/refund"))
	off := object.union(i, {"connection": {"source_ip": "198.51.100.23"}})
	codes(off) == {"not_from_management_host"}
	says(off, "not_from_management_host", "198.51.100.23 is not a management host")
}

test_crossing_without_boundary_forbidden if {
	i := customer_call("admin-console", http("GET", "/"))
	"zone_crossing_forbidden" in codes(i)
	says(i, "zone_crossing_forbidden", "No boundary allows calls from zone edge into zone management (the gateway's leg to the target, of a request relayed by the gateway) (admin-console GET /)")
}

test_service_crossing_without_boundary_forbidden if {
	# internal → management has no boundary: mesh services may not call the admin console.
	i := service_call(spiffe("orders"), "admin-console", http("GET", "/"))
	"zone_crossing_forbidden" in codes(i)
}

test_tls_required_from_internet if {
	i := object.union(anonymous_call("web", http("GET", "/products")), {"connection": {"tls": false}})
	codes(i) == {"tls_required"}
	says(i, "tls_required", "Calls from zone internet into zone edge (the client's leg to the gateway, of a request relayed by the gateway) require TLS, but the connection is not encrypted.")
}

test_mtls_required_on_gateway_leg if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"connection": {"mtls": false}})
	codes(i) == {"mtls_required"}
	says(i, "mtls_required", "from zone edge into zone internal (the gateway's leg to the target, of a request relayed by the gateway) require mutual TLS")
}

test_signed_in_user_required_for_non_anonymous_operation if {
	i := anonymous_call("web", http("GET", "/cart"))
	"authentication_required" in codes(i)
	says(i, "authentication_required", "an anonymous user (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway) is not authenticated and web GET /cart is not open to anonymous callers")
}

test_anonymous_operation_with_raised_classification_needs_sign_in if {
	i := object.union(anonymous_call("web", http("GET", "/products")), {"resource": {"classification": "internal"}})
	"authentication_required" in codes(i)
}

test_unverified_service_identity_denied if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"subject": {"authenticated": false}, "purpose": "checkout"})
	codes(i) == {"service_identity_unverified"}
	says(i, "service_identity_unverified", "service web did not present a verified one")
}

test_relay_by_non_gateway_denied if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"connection": {"gateway_id": spiffe("web")}})
	codes(i) == {"gateway_identity_required"}
	says(i, "gateway_identity_required", "spiffe://shop.example/ns/prod/sa/web is not a gateway in the catalog")
}

test_relay_by_unknown_identity_denied if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"connection": {"gateway_id": "spiffe://evil.example/gw"}})
	codes(i) == {"gateway_identity_required"}
}

test_edge_boundary_names_non_gateway_service if {
	# If some non-gateway service lived in the edge zone, it still could not enter the mesh.
	i := service_call(spiffe("web"), "orders", http("POST", "/orders"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "web", "zone"], "edge")
	"gateway_identity_required" in {r.code | some r in d.reasons}
	some r in d.reasons
	contains(r.message, "service web is not a gateway")
}

test_gateway_failure_without_relay if {
	f := authz.gateway_failure with input as anonymous_call("web", http("GET", "/products")) with input.connection.via_gateway as false
	f == "the request did not come through the gateway"
}

test_gateway_enters_the_mesh if {
	i := object.union(service_call(gateway_id, "customers", rpc("customers.v1.Customers/VerifyPassword")), {"purpose": "login"})
	codes(i) == {"grant_matched"}
}

test_unknown_control_denies if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"purpose": "checkout"})
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["boundaries", "internal", "internal", "requires"], ["tls", "hardware_key"])
	[r.code | some r in d.reasons] == ["control_not_met"]
	contains(d.reasons[0].message, "require the control \"hardware_key\", which Clearance does not know how to check")
}

test_management_crossing_requires_authentication if {
	i := object.union(staff_call("alice@shop.example", ["operator"], "orders", http("GET", "/metrics")), {"subject": {"authenticated": false}})
	"authentication_required" in codes(i)
}

# One reason per cause.
test_missing_mtls_reported_once_for_boundary_and_data if {
	i := object.union(charge_for_checkout, {"connection": {"mtls": false}})
	[r.code | some r in decide(i).reasons] == ["mtls_required"]
	says(i, "mtls_required", "Calls from zone internal into zone restricted require mutual TLS")
}

test_data_reports_mtls_where_no_boundary_demands_it if {
	i := object.union(charge_for_checkout, {"connection": {"mtls": false}})
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["boundaries", "internal", "restricted", "requires"], ["authenticated", "explicit_grant"])
	[r.code | some r in d.reasons] == ["mtls_required"]
	contains(d.reasons[0].message, "touches restricted data, which may only travel over mutual TLS")
}

test_gateway_leg_not_reported_when_client_leg_fails if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"connection": {"tls": false, "mtls": false, "gateway_id": spiffe("web")}})
	[r.code | some r in decide(i).reasons] == ["tls_required"]

	# once the client's leg passes, the gateway's leg is judged
	fixed := object.union(i, {"connection": {"tls": true}})
	{r.code | some r in decide(fixed).reasons} == {"mtls_required", "gateway_identity_required"}
}

test_gateway_leg_not_reported_when_client_leg_has_no_boundary if {
	i := customer_call("web", http("POST", "/checkout"))
	d := authz.decision with input as object.union(i, {"connection": {"mtls": false}})
		with authz.catalog as json.patch(data.clearance.catalog, [{"op": "remove", "path": "/boundaries/internet/edge"}])
	[r.code | some r in d.reasons] == ["zone_crossing_forbidden"]
	contains(d.reasons[0].message, "from zone internet into zone edge (the client's leg to the gateway, of a request relayed by the gateway)")
}

test_relayed_denials_say_relayed if {
	i := object.union(customer_call("web", http("POST", "/checkout")), {"resource": {"classification": "restricted"}})
	says(i, "classification_exceeds_clearance", "user carol@example.net (relayed by the gateway as spiffe://shop.example/ns/edge/sa/gateway) is cleared only up to confidential")
	direct := staff_call("dana@shop.example", ["developer"], "orders", http("POST", "/orders/{id}/refund"))
	says(direct, "classification_exceeds_clearance", "but user dana@shop.example is cleared only up to internal")
}
