# Lint for the catalog (data.clearance.catalog): the references the rules rely on resolve, and the vocabulary is the
# one the rules know. Tests may iterate the catalog; the decision rules never do.
package clearance.authz_test

cat := data.clearance.catalog

controls := {"tls", "mtls", "authenticated", "gateway", "explicit_grant"}

categories := {"business", "admin", "logs", "metrics"}

utc := `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$`

test_classification_ranks_are_distinct if {
	ranks := [c.rank | some c in cat.classifications]
	count({r | some r in ranks}) == count(ranks)
}

test_every_identity_names_a_service if {
	every id, name in cat.identities {
		cat.services[name]
		regex.match(`^(spiffe://|sha256:[0-9a-f]{64}$)`, id)
	}
}

test_every_service_identity_is_indexed if {
	every name, service in cat.services {
		every id in service.identities {
			cat.identities[id] == name
		}
	}
}

test_services_use_known_vocabulary if {
	every service in cat.services {
		cat.zones[service.zone]
		is_string(service.team)
		cat.classifications[service.clearance]
		service.same_team_access in {"open", "grant"}
		every tag in service.tags_allowed { cat.tags[tag] }
	}
}

test_gateways_live_at_the_edge if {
	gateways := {name: service | some name, service in cat.services; service.gateway == true}
	count(gateways) > 0
	every service in gateways { service.zone == "edge" }
}

test_operations_use_known_vocabulary if {
	every service in cat.services {
		every op in service.operations {
			cat.classifications[op.classification]
			op.access in {"read", "write"}
			op.category in categories
			every tag in op.tags { cat.tags[tag] }
			every tag, fields in object.get(op, "mask", {}) {
				tag in op.tags
				count(fields) > 0
			}
		}
	}
}

all_operations contains op if {
	some service in cat.services
	some op in service.operations
}

test_anonymous_operations_are_public_and_exposed if {
	every op in {op | some op in all_operations; op.anonymous == true} {
		op.classification == "public"
		op.exposed == true
	}
}

test_exposed_operations_are_not_restricted if {
	every op in {op | some op in all_operations; op.exposed == true} {
		op.classification != "restricted"
	}
}

grant_entries contains {"callee": callee, "operation": key, "caller": caller, "grant": grant} if {
	some callee, by_operation in cat.grants
	some key, by_caller in by_operation
	some caller, grant in by_caller
}

test_grants_name_real_services_and_operations if {
	every e in grant_entries {
		cat.services[e.callee].operations[e.operation]
		cat.services[e.caller]
		is_string(e.grant.purpose)
		is_string(e.grant.granted_by)
		is_string(e.grant.ticket)
		regex.match(utc, object.get(e.grant, "expires_at", "2000-01-01T00:00:00Z"))
	}
}

test_only_the_documented_example_grant_is_not_by_the_owner if {
	not_by_owner := {concat(" ", [e.callee, e.operation, e.caller]) |
		some e in grant_entries
		e.grant.granted_by != cat.services[e.callee].team
	}
	not_by_owner == {"customers customers.v1.Customers/Get analytics"}
}

test_denies_name_real_services if {
	every callee, by_caller in cat.denies {
		cat.services[callee]
		every caller, record in by_caller {
			cat.services[caller]
			is_string(record.reason)
		}
	}
}

test_revocations_are_documented if {
	every record in cat.revoked {
		regex.match(utc, record.revoked_at)
		is_string(record.reason)
		is_string(record.ticket)
	}
}

test_boundaries_use_known_zones_and_controls if {
	every from, targets in cat.boundaries {
		cat.zones[from]
		every to, boundary in targets {
			cat.zones[to]
			every control in boundary.requires { control in controls }
			every control in object.get(boundary, "permissive", []) { control in controls }
		}
	}
}

test_internet_reaches_only_the_edge if {
	object.keys(cat.boundaries.internet) == {"edge"}
}

test_edge_relays_only_with_gateway_identity if {
	every boundary in cat.boundaries.edge {
		"gateway" in boundary.requires
		"mtls" in boundary.requires
	}
}

test_restricted_zone_needs_mtls_and_grant_from_everywhere if {
	into_restricted := [b | some targets in cat.boundaries; b := targets.restricted]
	count(into_restricted) > 0
	every b in into_restricted {
		every control in ["mtls", "authenticated", "explicit_grant"] { control in b.requires }
	}
}

test_roster_roles_exist_and_hosts_are_addresses if {
	every person in cat.human_access.roster { cat.roles[person.role] }
	every address, _ in cat.human_access.management_hosts {
		regex.match(`^([0-9]{1,3}\.){3}[0-9]{1,3}$|:`, address)
	}
}

# open_in_zone lets a whole zone in without a grant, so it is for public data only and never for restricted zones'
# operations that a boundary keeps behind explicit grants.
test_open_in_zone_operations_are_public if {
	opened := {op | some op in all_operations; op.open_in_zone == true}
	count(opened) > 0
	every op in opened { op.classification == "public" }
}

test_break_glass_entries_name_real_people_services_and_operations if {
	count(cat.break_glass) > 0
	every service, by_person in cat.break_glass {
		every person, entry in by_person {
			cat.human_access.roster[person]
			count(entry.operations) > 0
			every op in entry.operations { cat.services[service].operations[op] }
			is_string(entry.ticket)
			is_string(entry.reason)
			regex.match(utc, entry.expires_at)
		}
	}
}

test_restricted_data_needs_break_glass_for_people if {
	cat.classifications.restricted.requires_break_glass == true
}
