// The serving thread's own instance of a guarded policy (see DEFAULTS.inlineEvaluation): the module metered by
// loop-fuel.ts, loaded only when that is safe and cheap — no host builtin (a builtin is JavaScript the meter does
// not reach), data small enough that a second copy costs little — and the rewrite validated. Undefined otherwise:
// the policy then evaluates on its threads only, as before. After a trap an instance is not used again: `load`
// makes a fresh one from the same metered module.
import { DEFAULTS } from '../config/defaults.js'
import { meterLoops, UNMETERED_FUEL } from './loop-fuel.js'
import { loadWasmPolicy, type WasmPolicy, type WasmPolicyOptions } from './wasm-policy.js'

export interface InlineOptions {
  /** Loop iterations per evaluation (an integer from 1 to 2^31 - 2); 0 turns inline evaluation off. */
  fuel: number
  maxDataBytes: number
}

export const defaultInlineOptions: InlineOptions = {
  fuel: DEFAULTS.inlineEvaluation.fuel,
  maxDataBytes: DEFAULTS.inlineEvaluation.maxDataBytes,
}

export interface InlineSource {
  /** The first instance, loaded with the source. */
  first: WasmPolicy
  /** A fresh instance of the metered module with the same data. */
  load(): Promise<WasmPolicy>
}

export async function loadInlineSource(
  wasm: Uint8Array,
  data: Uint8Array,
  hostBuiltins: readonly string[],
  options: WasmPolicyOptions & InlineOptions,
): Promise<InlineSource | undefined> {
  const { fuel, maxDataBytes, ...wasmOptions } = options
  const usableFuel = Number.isInteger(fuel) && fuel >= 1 && fuel < UNMETERED_FUEL
  if (!usableFuel || hostBuiltins.length > 0 || data.byteLength > maxDataBytes) return undefined
  const metered = meterLoops(wasm)
  if (metered === undefined) return undefined
  const load = (): Promise<WasmPolicy> => loadWasmPolicy(metered, data, { ...wasmOptions, fuel })
  try {
    return { first: await load(), load }
  } catch {
    // The threads loaded the unmetered module; without the meter the serving thread simply does not evaluate.
    return undefined
  }
}
