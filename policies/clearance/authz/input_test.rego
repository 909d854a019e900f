# Stage 1: malformed inputs are denied with a reason naming each missing or bad field.
package clearance.authz_test

import data.clearance.authz

web_order := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"purpose": "checkout"})

test_well_formed_input_has_no_input_errors if {
	errors := authz.input_errors with input as web_order
	count(errors) == 0
}

test_missing_input_denied if {
	d := authz.decision
	d.allow == false
	d.reasons == [{"code": "missing_field", "message": "The input is missing; send an object with subject, connection, target and time."}]
}

test_non_object_input_denied if {
	codes("hello") == {"invalid_field"}
	says("hello", "invalid_field", "must be a JSON object")
}

test_empty_object_names_each_top_level_field if {
	messages({}) == {
		"input.subject is missing.", "input.connection is missing.",
		"input.target is missing.", "input.time is missing.",
	}
}

test_missing_nested_fields_named if {
	i := {"subject": {"type": "service"}, "connection": {}, "target": {"operation": {}}, "time": now}
	msgs := messages(i)
	"input.subject.authenticated is missing." in msgs
	"input.subject.spiffe_id (or subject.cert_fingerprint) is missing." in msgs
	"input.connection.tls is missing." in msgs
	"input.connection.mtls is missing." in msgs
	"input.connection.via_gateway is missing." in msgs
	"input.connection.source_ip is missing." in msgs
	"input.target.service is missing." in msgs
	"input.target.operation.rpc (or target.operation.method and target.operation.path) is missing." in msgs
	codes(i) == {"missing_field"}
}

test_wrong_types_named_with_what_was_sent if {
	i := object.union(web_order, {
		"connection": {"tls": "yes", "source_ip": 10},
		"target": {"service": ["orders"]},
		"purpose": 7,
		"subject": {"roles": "operator"},
	})
	msgs := messages(i)
	"input.connection.tls must be a boolean, not a string." in msgs
	"input.connection.source_ip must be a string, not a number." in msgs
	"input.target.service must be a string, not an array." in msgs
	"input.purpose must be a string, not a number." in msgs
	"input.subject.roles must be an array, not a string." in msgs
}

test_null_subject_is_wrong_type if {
	says(object.union(web_order, {"subject": null}), "invalid_field", "input.subject must be an object, not a null")
}

test_unknown_subject_type_denied if {
	i := object.union(web_order, {"subject": {"type": "robot"}})
	says(i, "invalid_field", "must be \"service\" or \"user\", not \"robot\"")
}

test_spiffe_id_must_be_a_spiffe_uri if {
	i := object.union(web_order, {"subject": {"spiffe_id": "https://shop.example/web"}})
	says(i, "invalid_field", "must be a SPIFFE ID starting with spiffe://")
}

test_fingerprint_must_be_sha256 if {
	i := object.union(web_order, {"subject": {"cert_fingerprint": "md5:abcd"}})
	says(i, "invalid_field", "must be a certificate fingerprint starting with sha256:")
}

test_authenticated_user_needs_an_id if {
	i := customer_call("web", http("GET", "/cart"))
	no_id := object.union(object.remove(i, ["subject"]), {"subject": {"type": "user", "authenticated": true}})
	codes(no_id) == {"missing_field"}
	says(no_id, "missing_field", "input.subject.id is missing.")
}

test_roles_must_be_strings if {
	i := object.union(customer_call("web", http("GET", "/cart")), {"subject": {"roles": ["customer", 3]}})
	says(i, "invalid_field", "Every entry of input.subject.roles must be a string.")
}

test_relayed_request_needs_gateway_id if {
	i := customer_call("web", http("GET", "/cart"))
	no_gateway := object.union(object.remove(i, ["connection"]), {"connection": {
		"tls": true, "mtls": true, "via_gateway": true, "source_ip": "203.0.113.7",
	}})
	says(no_gateway, "missing_field", "input.connection.gateway_id is missing.")
}

test_mtls_without_tls_on_direct_call_is_invalid if {
	i := object.union(web_order, {"connection": {"tls": false}})
	says(i, "invalid_field", "mutual TLS is TLS")
}

test_operation_cannot_be_both_rpc_and_http if {
	i := object.union(web_order, {"target": {"operation": {"rpc": "orders.v1.Orders/Create"}}})
	says(i, "invalid_field", "either an RPC (rpc) or an HTTP route")
}

test_http_operation_needs_method_and_path if {
	i := object.union(web_order, {"target": {"operation": {"method": "POST", "path": null}}})
	says(i, "invalid_field", "input.target.operation.path must be a string, not a null.")
	only_method := object.union(object.remove(web_order, ["target"]), {"target": {"service": "orders", "operation": {"method": "POST"}}})
	says(only_method, "missing_field", "target.operation.rpc (or target.operation.method and target.operation.path)")
}

test_unknown_http_method_denied if {
	i := object.union(web_order, {"target": {"operation": {"method": "post"}}})
	says(i, "invalid_field", "input.target.operation.method must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, not \"post\".")
}

test_path_must_be_a_route_template if {
	i := object.union(web_order, {"target": {"operation": {"path": "orders"}}})
	says(i, "invalid_field", "must be a route template starting with /")
}

test_resource_needs_classification if {
	i := object.union(web_order, {"resource": {"tags": ["pii"]}})
	says(i, "missing_field", "input.resource.classification is missing.")
}

test_resource_classification_must_be_known if {
	i := object.union(web_order, {"resource": {"classification": "secret"}})
	says(i, "invalid_field", "must be one of public, internal, confidential, restricted, not \"secret\"")
}

test_resource_tags_must_be_strings if {
	i := object.union(web_order, {"resource": {"classification": "internal", "tags": [true]}})
	says(i, "invalid_field", "Every entry of input.resource.tags must be a string.")
}

test_time_must_be_rfc3339_utc if {
	says(object.union(web_order, {"time": "2025-06-01 12:00:00"}), "invalid_field", "RFC 3339 timestamp in UTC")
	says(object.union(web_order, {"time": "2025-06-01T14:00:00+02:00"}), "invalid_field", "RFC 3339 timestamp in UTC")
	codes(object.union(web_order, {"time": "2025-06-01T12:00:00.123Z"})) == {"grant_matched"}
}

# One variant per way an input can be malformed; the fast path must reject each, and the per-field rules must say why.
malformed_variants := [
	"text",
	{},
	object.remove(web_order, ["time"]),
	object.union(web_order, {"subject": {"type": "robot"}}),
	object.union(web_order, {"subject": {"authenticated": "yes"}}),
	object.union(web_order, {"subject": {"id": 7}}),
	object.union(web_order, {"subject": {"spiffe_id": "web"}}),
	object.union(web_order, {"subject": {"cert_fingerprint": 42}}),
	object.union(web_order, {"subject": {"roles": "operator"}}),
	object.union(web_order, {"subject": {"roles": [1]}}),
	object.union(object.remove(web_order, ["subject"]), {"subject": {"type": "service", "authenticated": true}}),
	object.union(object.remove(web_order, ["subject"]), {"subject": {"type": "user", "authenticated": true}}),
	object.union(web_order, {"connection": {"tls": null}}),
	object.union(web_order, {"connection": {"mtls": 1}}),
	object.union(web_order, {"connection": {"via_gateway": "no"}}),
	object.union(web_order, {"connection": {"source_ip": false}}),
	object.union(web_order, {"connection": {"gateway_id": 3}}),
	object.union(web_order, {"connection": {"via_gateway": true}}),
	object.union(web_order, {"connection": {"tls": false}}),
	object.union(web_order, {"target": {"service": 1}}),
	object.union(web_order, {"target": {"operation": "POST /orders"}}),
	object.union(web_order, {"target": {"operation": {"method": "FETCH"}}}),
	object.union(web_order, {"target": {"operation": {"path": "orders"}}}),
	object.union(web_order, {"target": {"operation": {"rpc": "orders.v1.Orders/Create"}}}),
	object.union(object.remove(web_order, ["target"]), {"target": {"service": "orders", "operation": {"rpc": 5}}}),
	object.union(web_order, {"resource": "secret"}),
	object.union(web_order, {"resource": {"tags": []}}),
	object.union(web_order, {"resource": {"classification": "secret"}}),
	object.union(web_order, {"resource": {"classification": "internal", "tags": "pii"}}),
	object.union(web_order, {"resource": {"classification": "internal", "tags": [1]}}),
	object.union(web_order, {"purpose": ["checkout"]}),
	object.union(web_order, {"context": "trace-1"}),
	object.union(web_order, {"time": 1717243200}),
	object.union(web_order, {"time": "yesterday"}),
]

test_fast_path_rejects_every_malformed_variant if {
	every i in malformed_variants {
		not authz.well_formed with input as i
		errors := authz.field_errors with input as i
		count(errors) > 0
	}
}

test_fast_path_accepts_every_well_formed_scenario if {
	well_formed_inputs := [s.input |
		some s in data.scenarios
		not "missing_field" in s.expected.reason_codes
		not "invalid_field" in s.expected.reason_codes
	]
	count(well_formed_inputs) > 25
	every i in well_formed_inputs {
		errors := authz.field_errors with input as i
		count(errors) == 0
		authz.well_formed with input as i
	}
}

test_time_shapes if {
	every t in ["2025-06-01T12:00:00Z", "2025-06-01T12:00:00.5Z", "2025-06-01T12:00:00.123456789Z"] {
		authz.time_well_formed with input as {"time": t}
	}
	every t in [
		"2025-06-01T12:00:00", "2025-06-01T12:00:00.Z", "2025-06-01T12:00:00,5Z", "2025-06-01 12:00:00Z",
		"2025-6-01T12:00:00Z", "2025-06-01T12:00:0aZ", "2025-06-01T12:00:00.5aZ", "2025-06-01T12-00-00Z",
		"२०२५-06-01T12:00:00Z", "", "20250-6-01T12:00:00Z", "2025-06-01T12:00:00Z0", "2025-06-01T12:00:00.5ZZ",
		"2025-06-01T12:00:00.0Z0Z", "2025-06-01T12:00:00.00", "2025-06-01T12:00:00.5 Z", "2025-06-01t12:00:00Z",
	] {
		not authz.time_well_formed with input as {"time": t}
	}
}
