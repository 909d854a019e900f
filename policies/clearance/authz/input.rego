# Stage 1: the input's shape. policies/schema/input.schema.json documents the same shape for the HTTP server, but
# bundle users may call the Data API directly, so the policy checks it again and names every missing or bad field.
#
# Two passes: well_formed checks the whole shape cheaply in one rule body; only when it fails do the per-field rules
# (field_errors) run to say what is wrong. The per-field rules are table-driven and cost about as much as the rest of
# the decision, so running them on every well-formed request would double its latency. input_test.rego checks that
# the two passes agree.
package clearance.authz

input_errors := set() if well_formed

else := field_errors

default well_formed := false

# Fields are read once into locals, and presence is tested with object.get defaults rather than field_present: the
# fast path runs on every decision, and each rule or function call it makes costs a lookup. `not x == x` holds
# exactly when x is absent: a present value, even false or null, equals itself.
well_formed if {
	subject := input.subject
	subject.type in {"service", "user"}
	is_boolean(subject.authenticated)
	is_string(object.get(subject, "id", ""))
	startswith(object.get(subject, "spiffe_id", "spiffe://"), "spiffe://")
	startswith(object.get(subject, "cert_fingerprint", "sha256:"), "sha256:")
	roles := object.get(subject, "roles", [])
	is_array(roles)
	every role in roles { is_string(role) }
	subject_identified
	connection := input.connection
	is_boolean(connection.tls)
	is_boolean(connection.mtls)
	is_boolean(connection.via_gateway)
	is_string(connection.source_ip)
	is_string(object.get(connection, "gateway_id", ""))
	gateway_named
	[connection.via_gateway, connection.mtls, connection.tls] != [false, true, false] # no mTLS without TLS on a direct call
	is_string(input.target.service)
	operation_well_formed
	resource_well_formed
	is_string(object.get(input, "purpose", ""))
	is_object(object.get(input, "context", {}))
	time_well_formed
}

default subject_identified := false

subject_identified if {
	input.subject.type == "service"
	_ = input.subject.spiffe_id
}

else if {
	input.subject.type == "service"
	_ = input.subject.cert_fingerprint
}

else if {
	input.subject.type == "user"
	input.subject.authenticated == false
}

else if {
	input.subject.type == "user"
	is_string(input.subject.id)
}

default gateway_named := false

gateway_named if input.connection.via_gateway == false

else if is_string(input.connection.gateway_id)

default operation_well_formed := false

operation_well_formed if {
	op := input.target.operation
	is_string(op.rpc)
	not op.method == op.method
	not op.path == op.path
}

else if {
	op := input.target.operation
	op.method in http_methods
	startswith(op.path, "/")
	not op.rpc == op.rpc
}

default resource_well_formed := false

resource_well_formed if not input.resource == input.resource

else if {
	resource := input.resource
	is_string(resource.classification)
	catalog.classifications[resource.classification]
	tags := object.get(resource, "tags", [])
	is_array(tags)
	every tag in tags { is_string(tag) }
}

# Fields every decision needs, with their JSON types.
required_fields := [
	{"path": ["subject"], "type": "object"},
	{"path": ["subject", "type"], "type": "string"},
	{"path": ["subject", "authenticated"], "type": "boolean"},
	{"path": ["connection"], "type": "object"},
	{"path": ["connection", "tls"], "type": "boolean"},
	{"path": ["connection", "mtls"], "type": "boolean"},
	{"path": ["connection", "via_gateway"], "type": "boolean"},
	{"path": ["connection", "source_ip"], "type": "string"},
	{"path": ["target"], "type": "object"},
	{"path": ["target", "service"], "type": "string"},
	{"path": ["target", "operation"], "type": "object"},
	{"path": ["time"], "type": "string"},
]

# Fields that may be absent but have a type when present.
optional_fields := [
	{"path": ["subject", "id"], "type": "string"},
	{"path": ["subject", "roles"], "type": "array"},
	{"path": ["subject", "spiffe_id"], "type": "string"},
	{"path": ["subject", "cert_fingerprint"], "type": "string"},
	{"path": ["connection", "gateway_id"], "type": "string"},
	{"path": ["target", "operation", "method"], "type": "string"},
	{"path": ["target", "operation", "path"], "type": "string"},
	{"path": ["target", "operation", "rpc"], "type": "string"},
	{"path": ["resource"], "type": "object"},
	{"path": ["resource", "classification"], "type": "string"},
	{"path": ["resource", "tags"], "type": "array"},
	{"path": ["purpose"], "type": "string"},
	{"path": ["context"], "type": "object"},
]

http_methods := {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# RFC 3339 in UTC (2025-06-01T12:00:00Z, optionally with a fraction of a second): the policy compares timestamps as
# strings, which is only sound when every one ends in Z. Checked against a template once every ASCII digit reads 0,
# rather than with regex.match, which recompiles its pattern on every call in wasm and would cost more than the rest
# of the decision, or with a substring per field, which each decode the string from its start.
default time_well_formed := false

time_well_formed if {
	strings.replace_n(digits_as_zero, input.time) == "0000-00-00T00:00:00Z"
} else if {
	masked := strings.replace_n(digits_as_zero, input.time)
	startswith(masked, "0000-00-00T00:00:00.0")
	endswith(masked, "Z")
	trim_right(trim_suffix(masked, "Z"), "0") == "0000-00-00T00:00:00."
}

digits_as_zero := {"1": "0", "2": "0", "3": "0", "4": "0", "5": "0", "6": "0", "7": "0", "8": "0", "9": "0"}

default has_input := false

has_input if _ = input

field_errors contains reason("missing_field", "The input is missing; send an object with subject, connection, target and time.") if {
	not has_input
}

field_errors contains reason("invalid_field", "The input must be a JSON object with subject, connection, target and time.") if {
	has_input
	not is_object(input)
}

field_errors contains missing_field(concat(".", field.path)) if {
	some field in required_fields
	parent_is_object(field.path)
	not field_present(field.path)
}

field_errors contains invalid_field(concat(".", field.path), type_phrase[field.type], type_name(value)) if {
	some field in array.concat(required_fields, optional_fields)
	value := field_value(field.path)
	type_name(value) != field.type
}

field_errors contains reason("invalid_field", concat("", [
	"input.subject.type must be \"service\" or \"user\", not \"",
	input.subject.type, "\".",
])) if {
	is_string(input.subject.type)
	not input.subject.type in {"service", "user"}
}

field_errors contains missing_field("subject.spiffe_id (or subject.cert_fingerprint)") if {
	input.subject.type == "service"
	not field_present(["subject", "spiffe_id"])
	not field_present(["subject", "cert_fingerprint"])
}

field_errors contains reason("invalid_field", concat("", [
	"input.subject.spiffe_id must be a SPIFFE ID starting with spiffe://, not \"",
	input.subject.spiffe_id, "\".",
])) if {
	is_string(input.subject.spiffe_id)
	not startswith(input.subject.spiffe_id, "spiffe://")
}

field_errors contains reason("invalid_field", concat("", [
	"input.subject.cert_fingerprint must be a certificate fingerprint starting with sha256:, not \"",
	input.subject.cert_fingerprint, "\".",
])) if {
	is_string(input.subject.cert_fingerprint)
	not startswith(input.subject.cert_fingerprint, "sha256:")
}

field_errors contains missing_field("subject.id") if {
	input.subject.type == "user"
	input.subject.authenticated == true
	not field_present(["subject", "id"])
}

field_errors contains reason("invalid_field", "Every entry of input.subject.roles must be a string.") if {
	some role in input.subject.roles
	not is_string(role)
}

field_errors contains reason(
	"invalid_field",
	"input.connection.mtls is true but input.connection.tls is false; mutual TLS is TLS, so set both.",
) if {
	input.connection.via_gateway == false
	input.connection.mtls == true
	input.connection.tls == false
}

field_errors contains missing_field("connection.gateway_id") if {
	input.connection.via_gateway == true
	not field_present(["connection", "gateway_id"])
}

field_errors contains missing_field("target.operation.rpc (or target.operation.method and target.operation.path)") if {
	is_object(input.target.operation)
	not field_present(["target", "operation", "rpc"])
	not http_operation_present
}

field_errors contains reason(
	"invalid_field",
	"input.target.operation names either an RPC (rpc) or an HTTP route (method and path), not both.",
) if {
	field_present(["target", "operation", "rpc"])
	some part in ["method", "path"]
	field_present(["target", "operation", part])
}

field_errors contains reason("invalid_field", concat("", [
	"input.target.operation.method must be one of ",
	concat(", ", sort(http_methods)), ", not \"", input.target.operation.method, "\".",
])) if {
	is_string(input.target.operation.method)
	not input.target.operation.method in http_methods
}

field_errors contains reason("invalid_field", concat("", [
	"input.target.operation.path must be a route template starting with /, not \"",
	input.target.operation.path, "\".",
])) if {
	is_string(input.target.operation.path)
	not startswith(input.target.operation.path, "/")
}

field_errors contains missing_field("resource.classification") if {
	is_object(input.resource)
	not field_present(["resource", "classification"])
}

field_errors contains reason("invalid_field", concat("", [
	"input.resource.classification must be one of public, internal, confidential, restricted, not \"",
	input.resource.classification, "\".",
])) if {
	is_string(input.resource.classification)
	not catalog.classifications[input.resource.classification]
}

field_errors contains reason("invalid_field", "Every entry of input.resource.tags must be a string.") if {
	some tag in input.resource.tags
	not is_string(tag)
}

field_errors contains reason("invalid_field", concat("", [
	"input.time must be an RFC 3339 timestamp in UTC such as 2025-06-01T12:00:00Z, not \"",
	input.time, "\".",
])) if {
	is_string(input.time)
	not time_well_formed
}

missing_field(path) := reason("missing_field", concat("", ["input.", path, " is missing."]))

invalid_field(path, expected, got) := reason(
	"invalid_field",
	concat("", ["input.", path, " must be ", expected, ", not ", type_article[got], " ", got, "."]),
)

type_phrase := {"object": "an object", "string": "a string", "boolean": "a boolean", "array": "an array"}

type_article := {
	"object": "an", "string": "a", "boolean": "a", "array": "an",
	"number": "a", "null": "a", "set": "a",
}

default http_operation_present := false

http_operation_present if {
	field_present(["target", "operation", "method"])
	field_present(["target", "operation", "path"])
}

# The documented fields are at most three levels deep (required ones two); explicit lookups keep this free of
# object.get's path form.
field_value([a]) := input[a]

field_value([a, b]) := input[a][b]

field_value([a, b, c]) := input[a][b][c]

field_present(path) if _ = field_value(path)

parent_is_object([_]) if is_object(input)

parent_is_object([a, _]) if is_object(input[a])
