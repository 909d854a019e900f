// The decision log's own decisions from the active bundles, as OPA takes them: data.system.log.mask (what to erase
// or upsert in each event) and data.system.log.drop (true: do not log the event), both evaluated with the
// decision-log event as input. Clearance evaluates wasm, so each is an entrypoint of the bundle
// ("system/log/mask", "system/log/drop"); when the active bundles do not compile one in, it is skipped.
import type { EvalOutcome, PolicySet } from '../policy/index.js'

/** Evaluates a log decision with the event's JSON as input; undefined when the active bundles lack it. */
export type LogPolicyEvaluator = (eventJson: Uint8Array) => EvalOutcome | undefined

export interface LogPolicyPaths {
  mask?: string
  drop?: string
}

export const DEFAULT_MASK_PATH = 'system/log/mask'
export const DEFAULT_DROP_PATH = 'system/log/drop'

function evaluatorFor(current: () => PolicySet | undefined, path: string): LogPolicyEvaluator {
  // Whether a set has the entrypoint is asked once per set, not once per event.
  const hasEntrypoint = new WeakMap<PolicySet, boolean>()
  return (eventJson) => {
    const set = current()
    if (set === undefined) return undefined
    let has = hasEntrypoint.get(set)
    if (has === undefined) {
      has = set.entrypoints.includes(path)
      hasEntrypoint.set(set, has)
    }
    return has ? set.evaluateEntrypoint(path, eventJson) : undefined
  }
}

/** Mask and drop evaluators over whatever policy set is active (e.g. `() => registry.current()`). */
export function logPolicyEvaluators(
  current: () => PolicySet | undefined,
  paths: LogPolicyPaths = {},
): { evaluateMask: LogPolicyEvaluator; evaluateDrop: LogPolicyEvaluator } {
  return {
    evaluateMask: evaluatorFor(current, paths.mask ?? DEFAULT_MASK_PATH),
    evaluateDrop: evaluatorFor(current, paths.drop ?? DEFAULT_DROP_PATH),
  }
}
