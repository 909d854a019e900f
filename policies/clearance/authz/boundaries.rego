# Zones and the boundaries a request crosses. Each boundary in catalog.boundaries[from][to] lists the controls it
# requires (unmet: denied) and the controls being rolled out (permissive; unmet: an obligation). A crossing with no
# boundary entry is forbidden. Requests from the internet may only reach the edge zone.
package clearance.authz

# Where the request comes from. A service is where the catalog puts it (its identity decides, not its address).
# A person is in the management zone only when calling from a management host directly; everyone else is on the
# internet, including staff whose requests come through the gateway.
source_zone := caller_service.zone if {
	subject_is_service
} else := "management" if {
	from_management_host
} else := "internet" if {
	subject_is_user
}

default from_management_host := false

from_management_host if {
	subject_is_user
	input.connection.via_gateway == false
	_ = catalog.human_access.management_hosts[input.connection.source_ip]
}

management_host_name := text(catalog.human_access.management_hosts[input.connection.source_ip], "name", "unnamed")

target_zone := target_service.zone

default direct_internet_attempt := false

# A person on the internet asking for anything but the edge without going through the gateway.
direct_internet_attempt if {
	source_zone == "internet"
	target_zone != "edge"
	input.connection.via_gateway == false
}

# The boundaries this request crosses. A person's request relayed by the gateway crosses two: internet→edge (the
# client's leg) and edge→target (the gateway's leg).
crossings contains {"from": source_zone, "to": target_zone} if {
	subject_is_service
}

crossings contains {"from": "management", "to": target_zone} if {
	source_zone == "management"
}

crossings contains {"from": "internet", "to": "edge"} if {
	source_zone == "internet"
	not direct_internet_attempt
}

crossings contains {"from": "edge", "to": target_zone} if {
	source_zone == "internet"
	input.connection.via_gateway == true
	target_zone != "edge"
	not client_leg_failed
}

crossing_label(crossing) := concat("", ["from zone ", crossing.from, " into zone ", crossing.to, note]) if {
	relayed
	note := leg_note[crossing.from]
} else := concat("", ["from zone ", crossing.from, " into zone ", crossing.to])

# The two legs of a relayed request, named so that a denial on either does not read as the gateway's own failure.
leg_note := {
	"internet": " (the client's leg to the gateway, of a request relayed by the gateway)",
	"edge": " (the gateway's leg to the target, of a request relayed by the gateway)",
}

default relayed := false

relayed if {
	subject_is_user
	input.connection.via_gateway == true
}

default client_leg_failed := false

# One reason per cause: a relayed request that fails on the client's leg never reached the gateway's leg, so that
# leg is not crossed and its controls are not reported (they will be once the first leg passes). Gating the crossing
# itself, rather than filtering a copy of the set, keeps the common path free of a second set of objects.
client_leg_failed if crossing_fails({"from": "internet", "to": "edge"})

crossing_fails(crossing) if not catalog.boundaries[crossing.from][crossing.to]

crossing_fails(crossing) if {
	some control in catalog.boundaries[crossing.from][crossing.to].requires
	not control_met(control)
}

# A control some crossed boundary requires: other rules that demand the same control leave the reporting to it.
boundary_requires(control) if {
	some crossing in crossings
	control in catalog.boundaries[crossing.from][crossing.to].requires
}

policy_denials contains reason("direct_internet_access", concat("", [
	"Requests from the internet may only reach the edge zone; ", input.target.service, " is in zone ",
	target_zone, " and the request did not come through the gateway.",
])) if {
	direct_internet_attempt
	not on_roster
}

policy_denials contains reason("not_from_management_host", concat("", [
	subject_label, " is on the production roster, but ", input.connection.source_ip,
	" is not a management host; people reach production services only from the management host allow-list.",
])) if {
	direct_internet_attempt
	on_roster
}

default on_roster := false

on_roster if _ = catalog.human_access.roster[input.subject.id]

policy_denials contains reason("zone_crossing_forbidden", concat("", [
	"No boundary allows calls ", crossing_label(crossing), " (", operation_label, ").",
])) if {
	some crossing in crossings
	not catalog.boundaries[crossing.from][crossing.to]
}

policy_denials contains control_denial(control, crossing) if {
	some crossing in crossings
	some control in catalog.boundaries[crossing.from][crossing.to].requires
	not control_met(control)
}

# tls describes the client's own connection (for a relayed request, the leg to the gateway) and mtls the connection
# that reaches the target, so mtls does not stand in for tls; input.rego rejects mtls without tls on a direct call.
control_met("tls") if input.connection.tls == true

control_met("mtls") if input.connection.mtls == true

control_met("authenticated") if input.subject.authenticated == true

# A person may skip signing in only for an operation the catalog marks anonymous and whose data is public.
control_met("authenticated") if {
	subject_is_user
	operation.anonymous == true
	effective_classification == "public"
}

control_met("gateway") if {
	subject_is_service
	caller_service.gateway == true
}

control_met("gateway") if {
	subject_is_user
	gateway_service.gateway == true
}

# Checked by the grant rules (services.rego): a boundary that lists it makes every service call need a grant.
control_met("explicit_grant")

control_codes := {
	"tls": "tls_required",
	"mtls": "mtls_required",
	"gateway": "gateway_identity_required",
}

control_denial("authenticated", crossing) := reason("authentication_required", concat("", [
	"Calls ", crossing_label(crossing), " require a signed-in user, but ", subject_label,
	" is not authenticated and ", operation_label, " is not open to anonymous callers.",
])) if {
	subject_is_user
}

control_denial("authenticated", crossing) := reason("service_identity_unverified", concat("", [
	"Calls ", crossing_label(crossing), " require a verified service identity, but ", subject_label,
	" did not present a verified one.",
])) if {
	subject_is_service
}

control_denial(control, crossing) := reason(control_codes[control], concat("", [
	"Calls ", crossing_label(crossing), " require ", control_phrase[control], ", but ", control_failure[control],
])) if {
	control_codes[control]
	control != "gateway"
}

control_denial("gateway", crossing) := reason("gateway_identity_required", concat("", [
	"Calls ", crossing_label(crossing), " must be relayed by a verified gateway identity, but ", gateway_failure, ".",
]))

control_denial(control, crossing) := reason("control_not_met", concat("", [
	"Calls ", crossing_label(crossing), " require the control \"", control,
	"\", which Clearance does not know how to check.",
])) if {
	not control_codes[control]
	control != "authenticated"
	control != "explicit_grant"
}

control_phrase := {"tls": "TLS", "mtls": "mutual TLS"}

control_failure := {
	"tls": "the connection is not encrypted.",
	"mtls": "the connection presented no verified client certificate.",
}

gateway_failure := concat(" ", ["service", caller_name, "is not a gateway"]) if {
	subject_is_service
} else := "the request did not come through the gateway" if {
	input.connection.via_gateway == false
} else := concat(" ", [input.connection.gateway_id, "is not a gateway in the catalog"])
