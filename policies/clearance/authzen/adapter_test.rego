package clearance.authzen_test

import data.clearance.authzen

connection := {"tls": true, "mtls": true, "via_gateway": false, "source_ip": "10.1.4.20"}

request(subject, action, context) := {
	"subject": subject,
	"action": {"name": action},
	"resource": {"type": "service", "id": "payments"},
	"context": context,
}

test_service_grant_is_the_check_decision if {
	req := request(
		{"type": "service", "id": "spiffe://shop.example/ns/prod/sa/orders"},
		"payments.v1.Payments/Charge",
		{"connection": connection, "purpose": "checkout", "time": "2025-06-01T12:00:00Z", "ignored": 1},
	)
	d := authzen.decision with input as req
	d.allow
	[r.code | some r in d.reasons] == ["grant_matched"]
	authzen.clearance_input == {
		"subject": {"type": "service", "authenticated": true, "spiffe_id": "spiffe://shop.example/ns/prod/sa/orders"},
		"target": {"service": "payments", "operation": {"rpc": "payments.v1.Payments/Charge"}},
		"connection": connection,
		"purpose": "checkout",
		"time": "2025-06-01T12:00:00Z",
	} with input as req
}

test_http_action_is_a_route if {
	req := request({"type": "user", "id": "dana@shop.example", "properties": {"roles": ["developer"]}}, "GET /logs", {})
	authzen.operation == {"method": "GET", "path": "/logs"} with input as req
	authzen.subject == {"type": "user", "authenticated": true, "id": "dana@shop.example", "roles": ["developer"]} with input as req
}

test_fingerprint_subject if {
	req := request({"type": "service", "id": "sha256:abc"}, "x", {})
	authzen.subject == {"type": "service", "authenticated": true, "cert_fingerprint": "sha256:abc"} with input as req
}

test_unknown_subject_type_is_denied if {
	req := request({"type": "robot", "id": "r2"}, "payments.v1.Payments/Charge", {"connection": connection, "time": "2025-06-01T12:00:00Z"})
	d := authzen.decision with input as req
	not d.allow
}

test_missing_context_is_denied_naming_fields if {
	d := authzen.decision with input as request({"type": "service", "id": "spiffe://shop.example/ns/prod/sa/orders"}, "payments.v1.Payments/Charge", {})
	not d.allow
	[r.code | some r in d.reasons] == ["missing_field", "missing_field"]
}
