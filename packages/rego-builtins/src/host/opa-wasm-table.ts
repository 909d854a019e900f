// opa-wasm ships a few builtins in JavaScript (sprintf via sprintf-js, regex.split via String.split, yaml.*,
// json.is_valid) and consults that table BEFORE the custom builtins handed to loadPolicy, so a host builtin of
// the same name is never called. Where Clearance has a Go-exact implementation (sprintf's Go verbs, regex.split's
// RE2 semantics, yaml.* reading YAML 1.1 like Go) it replaces the entry in opa-wasm's table, process-wide: the
// table is the module object of opa-wasm's src/builtins/index.js, shared by every instance (and reached by file
// path because the package's export map hides it). Replacing rather than deleting keeps the names working for
// anyone who loads a policy with their own builtins map. These entries are stateless and always non-strict.
// If a future opa-wasm moves the table, nothing is replaced and opa-wasm's own versions stay in force (the
// sprintf test notices).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

let table: Record<string, unknown> | null | undefined
let originalNames: readonly string[] = []

function opaWasmTable(): Record<string, unknown> | null {
  if (table !== undefined) return table
  try {
    const entry = require.resolve('@open-policy-agent/opa-wasm')
    const loaded = require(join(dirname(entry), 'builtins', 'index.js')) as unknown
    table = loaded !== null && typeof loaded === 'object' ? (loaded as Record<string, unknown>) : null
  } catch {
    table = null
  }
  originalNames = table === null ? [] : Object.keys(table).sort()
  return table
}

/** The builtins opa-wasm implements in JavaScript (as shipped, before any are handed to Clearance). */
export function opaWasmBuiltinNames(): readonly string[] {
  opaWasmTable()
  return originalNames
}

/** Puts Clearance's implementation in place of each opa-wasm builtin of the same name. */
export function replaceOpaWasmBuiltins(builtins: Record<string, (...args: unknown[]) => unknown>): void {
  const t = opaWasmTable()
  if (t === null) return
  for (const [name, impl] of Object.entries(builtins)) {
    if (originalNames.includes(name) && t[name] !== impl) t[name] = impl
  }
}
