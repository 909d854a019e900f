// opa.runtime(): what the evaluator's host chooses to expose (createBuiltins({ runtime })), `{}` by default,
// which is also what OPA returns when it has no runtime information.
import type { BuiltinTable, HostContext } from '../host/index.js'

export function opaRuntimeBuiltins(host: HostContext): BuiltinTable {
  return { 'opa.runtime': () => host.runtime }
}
