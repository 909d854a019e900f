# OPA's documentation RBAC example (https://www.openpolicyagent.org/docs/latest/comparison-to-other-systems/#role-based-access-control-rbac):
# users have roles, roles have grants (action, type), all in data; allow when one of the user's roles grants the
# input's action on the input's type.
package neutral.rbac

import rego.v1

# METADATA
# entrypoint: true
default allow := false

allow if {
	some role in data.neutral.rbac.user_roles[input.user]
	some grant in data.neutral.rbac.role_grants[role]
	input.action == grant.action
	input.type == grant.type
}
