# The gateway adapter: turns a request as a gateway or a mesh sidecar sees it (the input OPA's Envoy plugin builds,
# which Clearance's ext_authz server and its forward-auth endpoint both produce) into Clearance's decision input,
# and answers with the unchanged decision of clearance/authz, so a request enforced at the gateway gets the same
# reasons and obligations as the same request sent to POST /v1/check.
#
#   target service   the sidecar's own identity (attributes.destination.principal) looked up in the catalog; else
#                    the host and path prefix in data.clearance.gateway.routes
#   operation        a gRPC path (/pkg.Service/Method) is the RPC; an HTTP method and path are matched against the
#                    service's route templates ("GET /orders/{id}"), the most literal template winning
#   subject          a verified user (a JWT the gateway or Clearance verified) is a user; a verified client
#                    certificate (SPIFFE ID or fingerprint) is a service; nothing verified is an anonymous user
#   connection       a user arrives through the gateway (its identity and upstream hop from the routes data); a
#                    service calls over mutual TLS, since its identity came from its client certificate
#
# Nothing here trusts a header a client could set: identities come only from input.verified, which the server
# fills from what it or Envoy checked. docs/gateways.md documents the mapping.
package clearance.gateway

import data.clearance.catalog

deployment := data.clearance.gateway.routes

http := input.attributes.request.http

# METADATA
# title: Gateway decision
# description: >-
#   Clearance's decision ({allow, reasons, obligations}) for a gateway or Envoy request; requests no route leads to
#   are denied with reason gateway_route_unknown.
# entrypoint: true
decision := authz_decision if {
	target_service
	authz_decision := data.clearance.authz.decision with input as decision_input
} else := {
	"allow": false,
	"reasons": [{
		"code": "gateway_route_unknown",
		"message": concat("", ["No route of the gateway leads from host ", host, " and path ", request_path, " to a service of the catalog."]),
	}],
	"obligations": [],
}

# METADATA
# title: Gateway decision for Envoy
# description: >-
#   The decision in the shape OPA's Envoy plugin reads (allowed, headers, http_status, body, dynamic_metadata), for
#   clearance serve --envoy-decision clearance/gateway/envoy.
# entrypoint: true
envoy := {
	"allowed": decision.allow,
	"headers": {"x-clearance-obligations": json.marshal(decision.obligations)},
	"http_status": denied_status,
	"body": json.marshal({"reasons": decision.reasons}),
	"dynamic_metadata": {"reasons": decision.reasons, "obligations": decision.obligations},
}

# A denied request without any verified identity needs authentication; with one, it is forbidden.
denied_status := 401 if {
	not decision.allow
	subject.authenticated == false
} else := 403

# The input clearance/authz decides on.
decision_input := object.union(
	{
		"subject": subject,
		"connection": connection,
		"target": {"service": target_service, "operation": operation},
		"time": input.verified.time,
	},
	purpose,
)

purpose := {"purpose": http.headers["x-clearance-purpose"]} if {
	is_string(http.headers["x-clearance-purpose"])
} else := {}

host := lower(split(object.get(http, "host", ""), ":")[0])

request_path := split(http.path, "?")[0]

# --- target service ---

target_service := catalog.identities[input.attributes.destination.principal] if {
	is_string(input.attributes.destination.principal)
} else := prefixed_service if {
	prefixed_service
} else := deployment.hosts[host].service

prefixed_service := [route.service |
	some route in deployment.hosts[host].prefixes
	prefix_matches(route.prefix, request_path)
][0]

prefix_matches(prefix, path) if path == prefix

prefix_matches(prefix, path) if startswith(path, concat("", [trim_suffix(prefix, "/"), "/"]))

# --- operation ---

grpc if startswith(object.get(http.headers, "content-type", ""), "application/grpc")

operation := {"rpc": trim_prefix(request_path, "/")} if {
	grpc
} else := {"method": http.method, "path": best_template} if {
	best_template
} else := {"method": http.method, "path": request_path}

# Templates of the target service matching the request, most literal (fewest placeholders) first.
best_template := sort([[count(placeholders), template] |
	some key, _ in catalog.services[target_service].operations
	parts := split(key, " ")
	count(parts) == 2
	parts[0] == http.method
	template := parts[1]
	template_matches(split(trim_prefix(template, "/"), "/"), split(trim_prefix(request_path, "/"), "/"))
	placeholders := [s | some s in split(template, "/"); startswith(s, "{")]
])[0][1]

template_matches(template, segments) if {
	count(template) == count(segments)
	every i, t in template {
		segment_matches(t, segments[i])
	}
}

segment_matches(t, s) if t == s

segment_matches(t, s) if {
	startswith(t, "{")
	endswith(t, "}")
	s != ""
}

# --- subject ---

user := input.verified.user if is_object(input.verified.user)

client := input.verified.client if is_object(input.verified.client)

client_spiffe_id := client.principal if startswith(object.get(client, "principal", ""), "spiffe://")

client_fingerprint := client.cert_fingerprint if startswith(object.get(client, "cert_fingerprint", ""), "sha256:")

subject := {
	"type": "user",
	"authenticated": true,
	"id": user.sub,
	"roles": user_roles,
} if {
	is_string(user.sub)
} else := {"type": "service", "authenticated": true, "spiffe_id": client_spiffe_id} if {
	client_spiffe_id
} else := {"type": "service", "authenticated": true, "cert_fingerprint": client_fingerprint} if {
	client_fingerprint
} else := {"type": "user", "authenticated": false, "roles": []}

user_roles := [role | some role in user.roles; is_string(role)] if {
	is_array(user.roles)
} else := []

# --- connection ---

source_ip := input.attributes.source.address.socketAddress.address if {
	is_string(input.attributes.source.address.socketAddress.address)
} else := ""

connection := {
	"tls": true,
	"mtls": true,
	"via_gateway": false,
	"source_ip": source_ip,
} if {
	subject.type == "service"
} else := {
	"tls": object.get(http, "scheme", "") == "https",
	"mtls": deployment.upstream_mtls,
	"via_gateway": true,
	"source_ip": source_ip,
	"gateway_id": deployment.gateway_id,
}
