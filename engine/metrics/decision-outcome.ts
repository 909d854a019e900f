// The outcome vocabulary shared by metrics labels and decision-log sampling: allow, deny, undefined, error.
// "allow" is a result of `true` or an object whose top-level `allow` is `true`; every other defined result is a
// deny. Classifying reads the result's JSON text and parses it only when it could be an allow object whose
// `allow` is not its first key.
import type { EvalOutcome } from '../policy/index.js'

export type DecisionOutcome = 'allow' | 'deny' | 'undefined' | 'error'

export const DECISION_OUTCOMES: readonly DecisionOutcome[] = ['allow', 'deny', 'undefined', 'error']

const ALLOW_FIRST = '{"allow":true'

/** Classifies a result's JSON text (undefined: the decision was undefined). */
export function classifyResult(json: string | undefined): DecisionOutcome {
  if (json === undefined) return 'undefined'
  if (json === 'true') return 'allow'
  // the policies' usual answer, decided without a parse: `allow` as the first key (OPA writes an object's keys
  // sorted, and a policy's object has no duplicate keys, so nothing later can override it)
  if (json.startsWith(ALLOW_FIRST)) {
    const next = json.charCodeAt(ALLOW_FIRST.length)
    if (next === 44 /* , */ || next === 125 /* } */) return 'allow'
  }
  // Cheap rejections first: only an object that spells `"allow":true` somewhere can be an allow.
  if (json.charCodeAt(0) !== 123 /* { */ || !json.includes('"allow":true')) return 'deny'
  try {
    const value = JSON.parse(json) as { allow?: unknown }
    return value.allow === true ? 'allow' : 'deny'
  } catch {
    return 'deny'
  }
}

/** Classifies what a policy set answered. */
export function classifyOutcome(outcome: EvalOutcome): DecisionOutcome {
  return outcome.defined ? classifyResult(outcome.json) : 'undefined'
}
