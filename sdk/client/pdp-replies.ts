// Reads the PDP's answers: POST /v1/check, OPA's Data API and the batch API. Anything that is not exactly the
// expected shape is a bad response (a deny), never a guess; error answers become DecisionErrors carrying OPA's
// `code` and `errors`.
import type { CheckDecision, DataDecision, DecisionError, Obligation, Reason, Revisions } from './decision.js'

type Json = Record<string, unknown>

/** A value of the expected shape, or the DecisionError an answer amounts to. */
export type Outcome<V> = { ok: true; value: V } | { ok: false; error: DecisionError }

const isRecord = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

const isReason = (value: unknown): value is Reason =>
  isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string'

const isObligation = (value: unknown): value is Obligation =>
  isRecord(value) && typeof value.type === 'string'

/** Bundle name → revision from OPA's `provenance`; {} when absent, undefined when malformed. */
export function revisionsOf(provenance: unknown): Revisions | undefined {
  if (provenance === undefined) return {}
  if (!isRecord(provenance)) return undefined
  const bundles = provenance.bundles ?? {}
  if (!isRecord(bundles)) return undefined
  const revisions: Record<string, string> = {}
  for (const [name, bundle] of Object.entries(bundles)) {
    if (!isRecord(bundle)) return undefined
    const revision = bundle.revision ?? ''
    if (typeof revision !== 'string') return undefined
    revisions[name] = revision
  }
  return revisions
}

export function badResponse(base: string, what: string, status?: number): DecisionError {
  return { code: 'pdp_bad_response', message: `the PDP at ${base} answered ${what}`, status }
}

/** OPA's error body {code, message, errors?} as a DecisionError; 502/503/504 mean the PDP is unavailable. */
export function errorOfReply(base: string, status: number, json: unknown): DecisionError {
  const code = status === 502 || status === 503 || status === 504 ? 'pdp_unavailable' : 'pdp_error'
  if (isRecord(json) && typeof json.code === 'string' && typeof json.message === 'string') {
    const details = Array.isArray(json.errors) ? json.errors.filter(isReason) : []
    return {
      code,
      status,
      pdpCode: json.code,
      message: `${json.code}: ${json.message}`,
      ...(details.length > 0
        ? { details: details.map((detail) => ({ code: detail.code, message: detail.message })) }
        : {}),
    }
  }
  return { code, status, message: `the PDP at ${base} answered HTTP ${status}` }
}

/** {"decision_id", "allow", "reasons", "obligations", "provenance"}; undefined when it is anything else. */
export function parseCheckReply(json: unknown): CheckDecision | undefined {
  if (
    !isRecord(json) ||
    typeof json.decision_id !== 'string' ||
    typeof json.allow !== 'boolean' ||
    !Array.isArray(json.reasons) ||
    !json.reasons.every(isReason) ||
    !Array.isArray(json.obligations) ||
    !json.obligations.every(isObligation)
  ) {
    return undefined
  }
  const revisions = revisionsOf(json.provenance)
  if (revisions === undefined) return undefined
  return {
    decisionId: json.decision_id,
    allow: json.allow,
    reasons: json.reasons,
    obligations: json.obligations,
    revisions,
  }
}

/** One Data API answer ({decision_id?, result?, provenance?}); undefined when malformed. */
export function parseDataReply<T>(json: unknown): DataDecision<T> | undefined {
  if (!isRecord(json)) return undefined
  if (json.decision_id !== undefined && typeof json.decision_id !== 'string') return undefined
  const revisions = revisionsOf(json.provenance)
  if (revisions === undefined) return undefined
  return { decisionId: json.decision_id, result: json.result as T | undefined, revisions }
}

/**
 * The batch API's {"responses": {id: answer}} (HTTP 200, 207 or 500): each item is a Data API answer, or OPA's
 * error body with "http_status_code". Items missing from the answer are bad responses. Undefined when the whole
 * body is something else.
 */
export function parseBatchReply<T>(
  base: string,
  status: number,
  json: unknown,
  ids: readonly string[],
): Record<string, Outcome<DataDecision<T>>> | undefined {
  if (!isRecord(json) || !isRecord(json.responses)) return undefined
  const responses = json.responses
  const items: Record<string, Outcome<DataDecision<T>>> = {}
  for (const id of ids) {
    const item = Object.hasOwn(responses, id) ? responses[id] : undefined
    if (!isRecord(item)) {
      items[id] = { ok: false, error: badResponse(base, `a batch without an answer for "${id}"`, status) }
      continue
    }
    const itemStatus = Number(item.http_status_code ?? status)
    if (itemStatus !== 200) {
      items[id] = { ok: false, error: errorOfReply(base, itemStatus, item) }
      continue
    }
    const decision = parseDataReply<T>(item)
    items[id] =
      decision === undefined
        ? { ok: false, error: badResponse(base, `a malformed batch answer for "${id}"`, status) }
        : { ok: true, value: decision }
  }
  return items
}
