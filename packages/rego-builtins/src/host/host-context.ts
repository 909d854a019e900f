// What a family of host builtins may depend on besides its arguments. One context exists per createBuiltins()
// call, i.e. per wasm instance; per-evaluation state lives in the evaluation scope.
import type { EvaluationScope } from './evaluation-scope.js'

/** A host builtin implementation: JSON-decoded arguments in, a JSON value (bigint allowed) or undefined out. */
export type BuiltinImpl = (...args: unknown[]) => unknown

export type BuiltinTable = Record<string, BuiltinImpl>

export interface HostContext {
  /** Per-evaluation state: the frozen clock and caches for rand.intn / uuid.rfc4122. */
  readonly scope: EvaluationScope
  /** The value opa.runtime() returns. */
  readonly runtime: Record<string, unknown>
  /** Receives the text of print() calls. */
  readonly print: (line: string) => void
  /** Uniform random bytes (rand.intn, uuid.rfc4122). */
  readonly randomBytes: (size: number) => Uint8Array
}
