# Runs policies/scenarios.json (the end-to-end table the HTTP tests replay) through the policy. `opa test policies/`
# loads that file's content at data.scenarios; policies/check-scenarios.mjs replays the same table through wasm.
package clearance.authz_test

test_scenario_table_has_at_least_25_entries if count(data.scenarios) >= 25

test_scenario_names_are_unique if count({s.name | some s in data.scenarios}) == count(data.scenarios)

test_every_scenario_holds if {
	failing := {s.name | some s in data.scenarios; not scenario_holds(s)}
	print("failing scenarios:", failing)
	failing == set()
}

scenario_holds(s) if {
	d := decide(s.input)
	d.allow == s.expected.allow
	{r.code | some r in d.reasons} == {c | some c in s.expected.reason_codes}
	{o.type | some o in d.obligations} == {t | some t in s.expected.obligation_types}
}
