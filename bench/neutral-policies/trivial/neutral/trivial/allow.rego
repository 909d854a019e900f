# A trivial rule on two input fields: the least work a policy can ask for, so the rest is the PDP's own cost.
package neutral.trivial

import rego.v1

# METADATA
# entrypoint: true
default allow := false

allow if {
	input.user == "alice"
	input.action == "read"
}
