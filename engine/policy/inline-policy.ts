// The serving thread's own instance of a guarded policy (see DEFAULTS.inlineEvaluation): the module metered by
// loop-fuel.ts, loaded only when that is safe and cheap — no host builtin (a builtin is JavaScript the meter does
// not reach), data small enough that a second copy costs little — and the rewrite validated. Undefined otherwise:
// the policy then evaluates on its threads only, as before.
import { DEFAULTS } from '../config/defaults.js'
import { meterLoops } from './loop-fuel.js'
import { loadWasmPolicy, type WasmPolicy, type WasmPolicyOptions } from './wasm-policy.js'

export interface InlineOptions {
  /** Loop iterations per evaluation; 0 turns inline evaluation off. */
  fuel: number
  maxDataBytes: number
}

export const defaultInlineOptions: InlineOptions = {
  fuel: DEFAULTS.inlineEvaluation.fuel,
  maxDataBytes: DEFAULTS.inlineEvaluation.maxDataBytes,
}

export async function loadInlinePolicy(
  wasm: Uint8Array,
  data: Uint8Array,
  hostBuiltins: readonly string[],
  options: WasmPolicyOptions & InlineOptions,
): Promise<WasmPolicy | undefined> {
  const { fuel, maxDataBytes, ...wasmOptions } = options
  if (fuel <= 0 || hostBuiltins.length > 0 || data.byteLength > maxDataBytes) return undefined
  const metered = meterLoops(wasm)
  if (metered === undefined) return undefined
  try {
    return await loadWasmPolicy(metered, data, { ...wasmOptions, fuel })
  } catch {
    // The threads loaded the unmetered module; without the meter the serving thread simply does not evaluate.
    return undefined
  }
}
