# Shared builders for the unit tests: well-formed inputs for each kind of caller, and accessors for decisions.
# Tests change one thing with object.union (a deep merge) so each states the single fact it checks.
package clearance.authz_test

import data.clearance.authz

now := "2025-06-01T12:00:00Z"

gateway_id := "spiffe://shop.example/ns/edge/sa/gateway"

spiffe(name) := concat("", ["spiffe://shop.example/ns/prod/sa/", name])

http(method, path) := {"method": method, "path": path}

rpc(name) := {"rpc": name}

# A service calling another service over mTLS from inside the mesh.
service_call(identity, service, operation) := {
	"subject": {"type": "service", "spiffe_id": identity, "authenticated": true},
	"connection": {"tls": true, "mtls": true, "via_gateway": false, "source_ip": "10.1.4.17"},
	"target": {"service": service, "operation": operation},
	"time": now,
}

# A signed-in customer whose request the gateway relays.
customer_call(service, operation) := {
	"subject": {"type": "user", "id": "carol@example.net", "roles": ["customer"], "authenticated": true},
	"connection": {
		"tls": true, "mtls": true, "via_gateway": true,
		"gateway_id": gateway_id, "source_ip": "203.0.113.7",
	},
	"target": {"service": service, "operation": operation},
	"time": now,
}

# An anonymous visitor through the gateway.
anonymous_call(service, operation) := {
	"subject": {"type": "user", "authenticated": false},
	"connection": customer_call(service, operation).connection,
	"target": {"service": service, "operation": operation},
	"time": now,
}

# A person at bastion-a calling a service directly.
staff_call(id, roles, service, operation) := {
	"subject": {"type": "user", "id": id, "roles": roles, "authenticated": true},
	"connection": {"tls": true, "mtls": false, "via_gateway": false, "source_ip": "10.20.0.11"},
	"target": {"service": service, "operation": operation},
	"time": now,
}

# The shop catalog with changes applied ([path, value] pairs), for tests about catalogs the security team did not
# write. Tests replace the authz.catalog rule: `with` on a nested path of base data merges objects rather than
# replacing them.
catalog_patched(changes) := json.patch(data.clearance.catalog, [{"op": "add", "path": c[0], "value": c[1]} | some c in changes])

catalog_with(path, value) := catalog_patched([[path, value]])

decide(i) := d if {
	d := authz.decision with input as i
}

codes(i) := {r.code | some r in decide(i).reasons}

obligation_types(i) := {o.type | some o in decide(i).obligations}

messages(i) := {r.message | some r in decide(i).reasons}

# True when some reason with this code has a message containing the fragment.
says(i, code, fragment) if {
	some r in decide(i).reasons
	r.code == code
	contains(r.message, fragment)
}
