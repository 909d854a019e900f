package clearance.gateway_test

import data.clearance.gateway

now := "2025-06-01T12:00:00Z"

edge_request(method, host, path, verified) := {
	"attributes": {
		"source": {"address": {"socketAddress": {"address": "203.0.113.7"}}},
		"request": {"http": {"method": method, "host": host, "path": path, "scheme": "https", "headers": {}}},
	},
	"verified": object.union({"time": now, "via": "forward_auth"}, verified),
}

carol := {"user": {"sub": "carol@example.net", "roles": ["customer"]}}

test_customer_checkout_matches_the_scenario_input if {
	d := gateway.decision with input as edge_request("POST", "shop.example:443", "/checkout?coupon=x", carol)
	d.allow
	[r.code | some r in d.reasons] == ["end_user_access"]
	[o.type | some o in d.obligations] == ["audit", "rate_limit", "restrict_to_owner"]
	gateway.decision_input == {
		"subject": {"type": "user", "authenticated": true, "id": "carol@example.net", "roles": ["customer"]},
		"connection": {
			"tls": true, "mtls": true, "via_gateway": true, "source_ip": "203.0.113.7",
			"gateway_id": "spiffe://shop.example/ns/edge/sa/gateway",
		},
		"target": {"service": "web", "operation": {"method": "POST", "path": "/checkout"}},
		"time": now,
	} with input as edge_request("POST", "shop.example:443", "/checkout?coupon=x", carol)
}

test_route_template_with_placeholder if {
	gateway.operation == {"method": "GET", "path": "/orders/{id}"} with input as edge_request("GET", "shop.example", "/orders/42", carol)
	gateway.target_service == "orders" with input as edge_request("GET", "shop.example", "/orders/42", carol)
}

test_literal_template_beats_placeholder if {
	gateway.operation == {"method": "GET", "path": "/orders/export"} with input as edge_request("GET", "shop.example", "/orders/export", carol)
}

test_unknown_path_keeps_the_raw_path if {
	gateway.operation == {"method": "GET", "path": "/nowhere"} with input as edge_request("GET", "shop.example", "/nowhere", carol)
	d := gateway.decision with input as edge_request("GET", "shop.example", "/nowhere", carol)
	not d.allow
}

test_anonymous_visitor_browses_products if {
	d := gateway.decision with input as edge_request("GET", "shop.example", "/products", {})
	d.allow
	[r.code | some r in d.reasons] == ["anonymous_access"]
}

test_anonymous_checkout_needs_authentication if {
	e := gateway.envoy with input as edge_request("POST", "shop.example", "/checkout", {})
	e.allowed == false
	e.http_status == 401
}

test_signed_in_user_denied_is_forbidden if {
	e := gateway.envoy with input as edge_request("GET", "admin.shop.example", "/", carol)
	e.allowed == false
	e.http_status == 403
}

test_plain_http_at_the_edge_is_denied if {
	req := json.patch(edge_request("GET", "shop.example", "/products", {}), [{"op": "replace", "path": "/attributes/request/http/scheme", "value": "http"}])
	d := gateway.decision with input as req
	not d.allow
}

test_unknown_host_is_denied_with_its_own_reason if {
	d := gateway.decision with input as edge_request("GET", "evil.example", "/products", carol)
	not d.allow
	d.reasons[0].code == "gateway_route_unknown"
	d.obligations == []
}

sidecar_request(path, verified, headers) := {
	"attributes": {
		"source": {"address": {"socketAddress": {"address": "10.1.4.20"}}, "principal": "spiffe://shop.example/ns/prod/sa/orders"},
		"destination": {"principal": "spiffe://shop.example/ns/pci/sa/payments"},
		"request": {"http": {"method": "POST", "host": "payments", "path": path, "headers": headers}},
	},
	"verified": object.union({"time": now, "via": "envoy"}, verified),
}

orders_client := {"client": {"principal": "spiffe://shop.example/ns/prod/sa/orders"}}

test_mesh_grpc_call_with_purpose_is_the_grant_scenario if {
	req := sidecar_request("/payments.v1.Payments/Charge", orders_client, {"content-type": "application/grpc", "x-clearance-purpose": "checkout"})
	d := gateway.decision with input as req
	d.allow
	[r.code | some r in d.reasons] == ["grant_matched"]
	gateway.decision_input.connection == {"tls": true, "mtls": true, "via_gateway": false, "source_ip": "10.1.4.20"} with input as req
	e := gateway.envoy with input as req
	e.allowed
	e.dynamic_metadata.obligations == d.obligations
}

test_mesh_call_without_purpose_is_denied_forbidden if {
	req := sidecar_request("/payments.v1.Payments/Charge", orders_client, {"content-type": "application/grpc"})
	e := gateway.envoy with input as req
	not e.allowed
	e.http_status == 403
}

test_certificate_fingerprint_subject if {
	req := sidecar_request("/payments.v1.Payments/GetStatus", {"client": {"cert_fingerprint": "sha256:abc"}}, {"content-type": "application/grpc"})
	gateway.subject == {"type": "service", "authenticated": true, "cert_fingerprint": "sha256:abc"} with input as req
}

test_unverified_principal_is_anonymous if {
	req := sidecar_request("/payments.v1.Payments/GetStatus", {"client": {"principal": "not-a-spiffe-id"}}, {})
	gateway.subject == {"type": "user", "authenticated": false, "roles": []} with input as req
}

test_user_roles_must_be_strings if {
	req := edge_request("GET", "shop.example", "/products", {"user": {"sub": "x", "roles": ["customer", 7]}})
	gateway.subject.roles == ["customer"] with input as req
	gateway.subject.roles == [] with input as edge_request("GET", "shop.example", "/products", {"user": {"sub": "x"}})
}

test_missing_source_address_is_empty if {
	req := json.remove(edge_request("GET", "shop.example", "/products", {}), ["attributes/source"])
	gateway.source_ip == "" with input as req
}
