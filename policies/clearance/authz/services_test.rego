# Service-to-service: grants, explicit denies, same-team policy.
package clearance.authz_test

import data.clearance.authz

settlements := object.union(
	service_call("spiffe://shop.example/ns/batch/sa/reporting-job-v2", "payments", rpc("payments.v1.Payments/ListSettlements")),
	{"purpose": "finance_reporting"},
)

order_export(caller) := object.union(service_call(caller, "orders", http("GET", "/orders/export")), {"purpose": "sales_analytics"})

finance_export := object.union(order_export("spiffe://shop.example/ns/batch/sa/reporting-job-v2"), {"purpose": "finance_reporting"})

test_cross_team_call_with_owner_grant_allowed if {
	i := object.union(service_call(spiffe("web"), "orders", http("POST", "/orders")), {"purpose": "checkout"})
	codes(i) == {"grant_matched"}
	says(i, "grant_matched", "Grant SEC-102 by team checkout lets service web call orders POST /orders for stated purpose checkout.")
}

test_cross_team_call_without_grant_denied if {
	i := service_call(spiffe("customers"), "orders", http("GET", "/orders/{id}"))
	codes(i) == {"no_grant"}
	says(i, "no_grant", concat("", [
		"No grant lets service customers, presenting spiffe://shop.example/ns/prod/sa/customers, call orders GET /orders/{id}; ",
		"only team checkout, which owns orders, can grant it, and one is needed because the services belong to different teams.",
	]))
}

test_grant_is_per_operation if {
	# web may create orders but holds no grant for the export.
	codes(order_export(spiffe("web"))) == {"no_grant"}
}

test_same_team_same_zone_open_service_needs_no_grant if {
	i := service_call(spiffe("web"), "catalog", http("GET", "/products"))
	codes(i) == {"same_team_policy"}
	says(i, "same_team_policy", "Services web and catalog both belong to team storefront in zone internal")
}

test_same_team_closed_service_needs_a_grant if {
	i := service_call(spiffe("web"), "catalog", http("GET", "/products"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "catalog", "same_team_access"], "grant")
	[r.code | some r in d.reasons] == ["no_grant"]
	contains(d.reasons[0].message, "catalog requires a grant even from its own team")
}

test_same_team_across_zones_needs_a_grant if {
	i := service_call(spiffe("web"), "catalog", http("GET", "/products"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "catalog", "zone"], "restricted")
	"no_grant" in {r.code | some r in d.reasons}
	some r in d.reasons
	contains(r.message, "the services are in different zones")
}

test_explicit_grant_boundary_applies_to_same_team if {
	# payments calling payments still needs a grant inside the restricted zone.
	i := object.union(service_call("spiffe://shop.example/ns/pci/sa/payments", "payments", rpc("payments.v1.Payments/Charge")), {"purpose": "checkout"})
	codes(i) == {"no_grant"}
	says(i, "no_grant", "the boundary from zone restricted into zone restricted requires an explicit grant")
}

test_explicit_grant_boundary_alone_needs_a_grant if {
	# payments open to its own team: the restricted zone's boundary still demands a grant.
	i := object.union(service_call("spiffe://shop.example/ns/pci/sa/payments", "payments", rpc("payments.v1.Payments/Charge")), {"purpose": "checkout"})
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "payments", "same_team_access"], "open")
	[r.code | some r in d.reasons] == ["no_grant"]
	contains(d.reasons[0].message, "the boundary from zone restricted into zone restricted requires an explicit grant")
}

test_restricted_data_needs_a_grant_even_in_open_team if {
	i := object.union(service_call(spiffe("web"), "catalog", http("GET", "/products")), {
		"resource": {"classification": "restricted"},
		"purpose": "checkout",
	})
	d := authz.decision with input as i with authz.catalog as catalog_with(["services", "web", "clearance"], "restricted")
	[r.code | some r in d.reasons] == ["no_grant"]
	contains(d.reasons[0].message, "restricted data always requires a grant")
}

test_explicit_deny_overrides_grant if {
	i := service_call(spiffe("analytics"), "payments", rpc("payments.v1.Payments/GetStatus"))
	codes(i) == {"explicitly_denied"}
	says(i, "explicitly_denied", "The security team explicitly denies service analytics any call to payments (SEC-88")
}

test_sparse_explicit_deny_still_denies if {
	i := service_call(spiffe("web"), "orders", http("POST", "/orders"))
	d := authz.decision with input as i with authz.catalog as catalog_with(["denies"], {"orders": {"web": true}})
	[r.code | some r in d.reasons] == ["explicitly_denied"]
	contains(d.reasons[0].message, "(no ticket: no reason recorded)")
}

test_grant_made_by_another_team_rejected if {
	i := service_call(spiffe("analytics"), "customers", rpc("customers.v1.Customers/Get"))
	codes(i) == {"grant_not_by_owner"}
	says(i, "grant_not_by_owner", "was made by team data, but only the owning team identity may grant access to customers")
}

test_grant_without_granted_by_rejected if {
	i := service_call(spiffe("web"), "orders", http("POST", "/orders"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["grants", "orders", "POST /orders", "web"], {"purpose": "checkout"})
	[r.code | some r in d.reasons] == ["grant_not_by_owner"]
	contains(d.reasons[0].message, "made by team (none recorded)")
}

test_grant_expires if {
	i := object.union(finance_export, {"time": "2027-01-15T02:00:00Z"})
	codes(i) == {"grant_expired"}
	says(i, "grant_expired", concat("", [
		"The grant SEC-111 for service reporting-job to call orders GET /orders/export expired at 2026-12-31T23:59:59Z; ",
		"the request was made at 2027-01-15T02:00:00Z. Team checkout may renew it.",
	]))
}

test_grant_valid_until_its_expiry_second if {
	before := object.union(finance_export, {"time": "2026-12-31T23:59:58.999Z"})
	codes(before) == {"grant_matched"}
	at := object.union(before, {"time": "2026-12-31T23:59:59Z"})
	codes(at) == {"grant_expired"}
}

test_restricted_data_needs_a_stated_purpose if {
	i := object.remove(settlements, ["purpose"])
	codes(i) == {"purpose_required"}
	says(i, "purpose_required", concat("", [
		"Service reporting-job may call payments payments.v1.Payments/ListSettlements under grant SEC-112 only for purpose ",
		"finance_reporting, and restricted data always needs a stated purpose; the request must state its purpose",
	]))
}

test_restricted_data_purpose_must_match_grant if {
	i := object.union(settlements, {"purpose": "marketing"})
	codes(i) == {"purpose_mismatch"}
	says(i, "purpose_mismatch", "only for purpose finance_reporting, not for marketing")
}

test_purpose_binds_below_restricted if {
	i := object.union(order_export(spiffe("analytics")), {"purpose": "anything"})
	codes(i) == {"purpose_mismatch"}
	says(i, "purpose_mismatch", "Service analytics may call orders GET /orders/export under grant SEC-110 only for purpose sales_analytics, not for anything.")
}

test_purpose_required_by_a_grant_that_states_one if {
	i := object.remove(order_export(spiffe("analytics")), ["purpose"])
	codes(i) == {"purpose_required"}
	says(i, "purpose_required", "under grant SEC-110 only for purpose sales_analytics; the request must state its purpose (input.purpose).")
}

test_grant_without_purpose_allows_any_purpose_below_restricted if {
	i := object.union(order_export(spiffe("analytics")), {"purpose": "anything"})
	cat := catalog_with(["grants", "orders", "GET /orders/export", "analytics"], {"granted_by": "checkout", "ticket": "SEC-9"})
	d := authz.decision with input as i with authz.catalog as cat
	[r.code | some r in d.reasons] == ["grant_matched"]
	contains(d.reasons[0].message, "for any purpose (the grant states none)")
	d2 := authz.decision with input as object.remove(i, ["purpose"]) with authz.catalog as cat
	d2.allow == true
}

test_purpose_not_judged_for_a_grant_by_another_team if {
	i := service_call(spiffe("analytics"), "customers", rpc("customers.v1.Customers/Get"))
	[r.code | some r in decide(i).reasons] == ["grant_not_by_owner"]
	says(i, "grant_not_by_owner", "The grant DATA-9 for service analytics")
	says(i, "grant_not_by_owner", "ask team identity to make it.")
}

test_explicit_deny_hides_what_is_wrong_with_the_grant if {
	i := service_call(spiffe("analytics"), "payments", rpc("payments.v1.Payments/GetStatus"))
	[r.code | some r in decide(i).reasons] == ["explicitly_denied"]
	without_grant := authz.decision with input as i
		with authz.catalog as json.patch(data.clearance.catalog, [{"op": "remove", "path": "/grants/payments/payments.v1.Payments~1GetStatus/analytics"}])
	[r.code | some r in without_grant.reasons] == ["explicitly_denied"]
}

test_no_purpose_reason_without_a_grant if {
	i := service_call(spiffe("search"), "payments", rpc("payments.v1.Payments/Charge"))
	not "purpose_required" in codes(i)
	"no_grant" in codes(i)
}

test_open_in_zone_needs_no_grant if {
	i := service_call(spiffe("orders"), "catalog", http("GET", "/products/{id}"))
	[r.code | some r in decide(i).reasons] == ["open_in_zone_access"]
	says(i, "open_in_zone_access", "catalog GET /products/{id} is public and open to every verified service in zone internal; service orders needs no grant for it.")
	decide(i).obligations == []
}

test_open_in_zone_is_off_unless_the_catalog_says_so if {
	i := service_call(spiffe("orders"), "catalog", http("GET", "/products"))
	codes(i) == {"no_grant"}
}

test_open_in_zone_same_team_reads_as_same_team if {
	i := service_call(spiffe("web"), "catalog", http("GET", "/products/{id}"))
	codes(i) == {"same_team_policy"}
}

test_open_in_zone_closed_by_a_raised_classification if {
	i := object.union(service_call(spiffe("orders"), "catalog", http("GET", "/products/{id}")), {"resource": {"classification": "internal"}})
	codes(i) == {"no_grant"}
}

test_open_in_zone_stays_in_its_zone if {
	i := service_call("spiffe://shop.example/ns/pci/sa/payments", "catalog", http("GET", "/products/{id}"))
	codes(i) == {"no_grant"}
	says(i, "no_grant", "the services are in different zones")
}

test_open_in_zone_still_honours_explicit_denies if {
	i := service_call(spiffe("orders"), "catalog", http("GET", "/products/{id}"))
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["denies", "catalog"], {"orders": {"by": "security", "ticket": "SEC-1", "reason": "test"}})
	[r.code | some r in d.reasons] == ["explicitly_denied"]
}

test_open_in_zone_demands_identity_and_tls_where_the_boundary_does_not if {
	i := object.union(service_call(spiffe("orders"), "catalog", http("GET", "/products/{id}")), {
		"subject": {"authenticated": false},
		"connection": {"tls": false, "mtls": false},
	})
	d := authz.decision with input as i
		with authz.catalog as catalog_with(["boundaries", "internal", "internal", "requires"], [])
	{r.code | some r in d.reasons} == {"service_identity_unverified", "tls_required"}
	count(d.reasons) == 2

	# where the boundary demands them, the boundary alone reports them
	{r.code | some r in decide(i).reasons} == {"service_identity_unverified", "tls_required"}
	count(decide(i).reasons) == 2
}

test_restricted_grant_without_purpose_denies if {
	d := authz.decision with input as settlements
		with authz.catalog as catalog_with(["grants", "payments", "payments.v1.Payments/ListSettlements", "reporting-job"], {"granted_by": "payments"})
	[r.code | some r in d.reasons] == ["purpose_mismatch"]
	contains(d.reasons[0].message, "only for purpose (none recorded)")
}

test_no_grant_message_lists_every_reason if {
	i := service_call(spiffe("catalog"), "payments", rpc("payments.v1.Payments/GetStatus"))
	says(i, "no_grant", concat("", [
		"because payments requires a grant even from its own team and the boundary from zone internal into zone ",
		"restricted requires an explicit grant and the services are in different zones and the services belong to ",
		"different teams.",
	]))
}

test_grant_needed_reasons_listed if {
	reasons := authz.grant_needed_because with input as service_call(spiffe("analytics"), "payments", rpc("payments.v1.Payments/GetStatus"))
	reasons == {"service_policy", "boundary", "zones", "teams"}
}

test_needs_grant_agrees_with_its_reasons_on_every_scenario if {
	every s in data.scenarios {
		reasons := authz.grant_needed_because with input as s.input
		needed := authz.needs_grant with input as s.input
		has_reasons := count(reasons) > 0
		needed == has_reasons
	}
}
