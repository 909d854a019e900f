// Builtins that Clearance supplies to every wasm instance on top of what OPA compiles natively.
// (Filled in by the builtins work; the evaluator only depends on this factory.)

/** A host builtin: receives its arguments as JSON values, returns a JSON value or undefined. */
export type Builtin = (...args: unknown[]) => unknown

export function createBuiltins(): Record<string, Builtin> {
  return {}
}
