// How one decision's answer changed between two policies, judged the same way by `clearance replay` and by shadow
// evaluation: unchanged when both results are the same JSON value; newly allowed or newly denied when the answer's
// `allow` (or the result itself, when it is a boolean) flipped; changed for any other difference; error when the
// new policy could not decide. An undefined or failed answer counts as a deny, as every error path denies.
import { isRecord, parseJson } from '../json/index.js'

export const DECISION_CHANGES = ['unchanged', 'newly_allowed', 'newly_denied', 'changed', 'error'] as const
export type DecisionChange = (typeof DECISION_CHANGES)[number]

/** One side's answer: the result's JSON text, undefined, or an error. */
export type DecisionAnswer =
  | { kind: 'result'; json: string }
  | { kind: 'undefined' }
  | { kind: 'error'; code: string; message: string }

export const UNDEFINED_ANSWER: DecisionAnswer = { kind: 'undefined' }

/** The answer's allow: a boolean result itself, or an object's boolean `allow`; undefined when it has neither. */
export function allowOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (isRecord(value) && typeof value.allow === 'boolean') return value.allow
  return undefined
}

/** JSON equality ignoring member order (results of two policies may list members differently). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const key of ka) {
    if (!Object.hasOwn(b, key)) return false
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

const parsedValue = (answer: DecisionAnswer): unknown =>
  answer.kind === 'result' ? parseJson(answer.json) : undefined

/**
 * The change from `before` to `after`. `beforeValue` is `before`'s parsed result when the caller already has it
 * (a decision-log event parsed whole), so it is not parsed twice; results equal as text are never parsed.
 */
export function classifyChange(
  before: DecisionAnswer,
  after: DecisionAnswer,
  beforeValue?: unknown,
): DecisionChange {
  if (after.kind === 'error') return 'error'
  if (before.kind === 'undefined' && after.kind === 'undefined') return 'unchanged'
  const valueBefore = (): unknown => (beforeValue === undefined ? parsedValue(before) : beforeValue)
  if (before.kind === 'result' && after.kind === 'result') {
    if (before.json === after.json) return 'unchanged'
    const afterValue = parseJson(after.json)
    const previous = valueBefore()
    if (sameJson(previous, afterValue)) return 'unchanged'
    return flip(allowOf(previous), allowOf(afterValue))
  }
  // One side undefined or failed: that side denied.
  const beforeAllow = before.kind === 'result' ? allowOf(valueBefore()) : false
  const afterAllow = after.kind === 'result' ? allowOf(parseJson(after.json)) : false
  return flip(beforeAllow, afterAllow)
}

function flip(before: boolean | undefined, after: boolean | undefined): DecisionChange {
  if (before === false && after === true) return 'newly_allowed'
  if (before === true && after === false) return 'newly_denied'
  return 'changed'
}

/** The reason codes of a Clearance decision ({reasons: [{code}]}), empty for anything else. */
export function reasonCodesOf(value: unknown): string[] {
  if (!isRecord(value) || !Array.isArray(value.reasons)) return []
  const codes: string[] = []
  for (const reason of value.reasons) {
    if (isRecord(reason) && typeof reason.code === 'string') codes.push(reason.code)
  }
  return codes
}
