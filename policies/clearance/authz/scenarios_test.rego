# Runs policies/scenarios.json (the end-to-end table the HTTP tests replay) through the policy. `opa test policies/`
# loads that file's content at data.scenarios; policies/check-scenarios.mjs replays the same table through wasm.
# A scenario states the allow bit, the set of reason codes and of obligation types; optionally how many reasons there
# are in all (reason_count: one reason per cause) and fragments some reason of a code must mention (reasons_mention).
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
	count(d.reasons) == object.get(s.expected, "reason_count", count(d.reasons))
	every m in object.get(s.expected, "reasons_mention", []) {
		some r in d.reasons
		r.code == m.code
		contains(r.message, m.text)
	}
}

# The runner itself: a decision that breaks a scenario's count or mention is caught.
test_scenario_runner_checks_count_and_mentions if {
	s := [s | some s in data.scenarios; s.name == "web_creates_order_with_grant"][0]
	scenario_holds(s)
	not scenario_holds(object.union(s, {"expected": {"reason_count": 2}}))
	not scenario_holds(object.union(s, {"expected": {"reasons_mention": [{"code": "grant_matched", "text": "no such words"}]}}))
}
