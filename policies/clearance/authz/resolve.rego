# Stage 2: look up in the catalog everything the input names: the target service and operation, the calling
# service's identities and a relaying gateway's identity. Unknown names and revoked identities stop the decision
# here, before any grant is considered. Every lookup is by key.
package clearance.authz

catalog := data.clearance.catalog

default subject_is_service := false

subject_is_service if input.subject.type == "service"

default subject_is_user := false

subject_is_user if input.subject.type == "user"

target_service := catalog.services[input.target.service]

# The operation's key in the catalog: the RPC name, or the HTTP method and route template ("GET /orders/{id}").
# PEPs send the route their router matched, not the raw URL, so the lookup stays a key lookup.
operation_key := input.target.operation.rpc if {
	is_string(input.target.operation.rpc)
} else := concat(" ", [input.target.operation.method, input.target.operation.path]) if {
	is_string(input.target.operation.method)
	is_string(input.target.operation.path)
}

operation := target_service.operations[operation_key]

presented_identities contains id if {
	subject_is_service
	some field in ["spiffe_id", "cert_fingerprint"]
	id := input.subject[field]
	is_string(id)
}

caller_names contains name if {
	some id in presented_identities
	name := catalog.identities[id]
}

# Defined only when every identity the caller presented belongs to one and the same catalog service.
caller_name := name if {
	count(caller_names) == 1
	count(unknown_identities) == 0
	some name in caller_names
}

caller_service := catalog.services[caller_name]

unknown_identities contains id if {
	some id in presented_identities
	not catalog.identities[id]
	not is_revoked(id)
}

gateway_identity := input.connection.gateway_id if {
	subject_is_user
	input.connection.via_gateway == true
}

gateway_service := catalog.services[catalog.identities[gateway_identity]]

resolution_errors contains reason("unknown_service", concat("", [
	"The catalog has no service named \"", input.target.service, "\".",
])) if {
	not target_service
}

resolution_errors contains reason("unknown_operation", concat("", [
	"Service ", input.target.service, " has no operation \"", operation_key,
	"\" in the catalog; send the RPC name or the HTTP method and route template exactly as catalogued.",
])) if {
	target_service
	not operation
}

resolution_errors contains reason("unknown_identity", concat("", [
	"The identity ", id, " is not in the catalog, so the calling service is unknown.",
])) if {
	some id in unknown_identities
}

resolution_errors contains reason("unknown_identity", concat("", [
	"The identity ", id, " names service ", name, ", which is not in the catalog.",
])) if {
	some id in presented_identities
	name := catalog.identities[id]
	not catalog.services[name]
}

resolution_errors contains reason("identity_mismatch", concat("", [
	"The caller presented identities of different services (", concat(", ", sort(caller_names)),
	"); one request has one caller.",
])) if {
	count(caller_names) > 1
}

resolution_errors contains revoked_reason(id) if {
	some id in presented_identities
	is_revoked(id)
}

resolution_errors contains revoked_reason(gateway_identity) if {
	is_revoked(gateway_identity)
}

# Presence in catalog.revoked is what revokes; the record only explains, so a record with missing fields still
# denies.
is_revoked(id) if _ = catalog.revoked[id]

revoked_reason(id) := reason("identity_revoked", concat("", [
	"The identity ", id, " was revoked on ", text(catalog.revoked[id], "revoked_at", "an unrecorded date"),
	" (", text(catalog.revoked[id], "ticket", "no ticket"), ": ",
	text(catalog.revoked[id], "reason", "no reason recorded"), "); no grant applies to it.",
]))

# A catalog string for a message, with a fallback so that a sparse record never makes a denial undefined.
text(record, key, fallback) := record[key] if {
	is_string(record[key])
} else := fallback
