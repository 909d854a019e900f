// What the harness evaluates the compiled cases with: the host's wasm policy loader, injected so that the harness
// (like the package) depends on no host code. Clearance's engine passes `{ load: loadWasmPolicy }`.
import type { Builtin } from '@clearance/rego-builtins'

/** One compiled case's module, instantiated with the builtins the harness gives it. */
export interface ConformancePolicy {
  /** Entrypoint names and their ids in the module. */
  readonly entrypoints: ReadonlyMap<string, number>
  /** The result set as JSON text (`[]` when undefined); throws when the evaluation fails. */
  evaluate(entrypoint: number, input: Uint8Array | undefined): string
}

export interface PolicyLoader {
  load(
    wasm: Uint8Array,
    data: Uint8Array,
    options: { builtins: Record<string, Builtin> },
  ): Promise<ConformancePolicy>
}
