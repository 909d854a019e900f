# AuthZEN 1.0 onto Clearance's model: an Access Evaluation request (subject, action, resource, context) becomes the
# clearance/authz decision input, and the answer is that decision unchanged ({allow, reasons, obligations}; the
# AuthZEN route returns allow as `decision` and the rest in `context`). Serve it with
# `clearance serve --authzen-decision clearance/authzen/decision`. docs/gateways.md has the table:
#
#   subject  {type: "service", id: SPIFFE ID or "sha256:…" fingerprint}  → a service subject
#            {type: "user", id, properties: {roles, authenticated}}      → a user subject (authenticated by default)
#   resource {type: "service", id: catalog service name}                  → target.service
#   action   {name: "GET /orders/{id}" or "payments.v1.Payments/Charge"}  → target.operation (route template or RPC)
#   context  {connection, purpose, time, resource}                        → the same-named input fields
package clearance.authzen

# METADATA
# title: AuthZEN decision
# description: Clearance's decision for one AuthZEN Access Evaluation request.
# entrypoint: true
decision := authz_decision if {
	authz_decision := data.clearance.authz.decision with input as clearance_input
}

subject := {"type": "service", "authenticated": true, "spiffe_id": input.subject.id} if {
	input.subject.type == "service"
	startswith(input.subject.id, "spiffe://")
} else := {"type": "service", "authenticated": true, "cert_fingerprint": input.subject.id} if {
	input.subject.type == "service"
	startswith(input.subject.id, "sha256:")
} else := {
	"type": "user",
	"authenticated": object.get(input.subject, ["properties", "authenticated"], true),
	"id": input.subject.id,
	"roles": object.get(input.subject, ["properties", "roles"], []),
} if {
	input.subject.type == "user"
} else := {"type": input.subject.type, "authenticated": false}

action_parts := split(input.action.name, " ")

operation := {"method": action_parts[0], "path": action_parts[1]} if {
	count(action_parts) == 2
} else := {"rpc": input.action.name}

# context fields Clearance reads, passed through when present
context_fields := {key: value |
	some key in ["connection", "purpose", "time", "resource"]
	value := input.context[key]
}

clearance_input := object.union(
	{
		"subject": subject,
		"target": {"service": input.resource.id, "operation": operation},
	},
	context_fields,
)
