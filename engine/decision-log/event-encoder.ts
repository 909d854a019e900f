// Writes one decision-log event as OPA's EventV1 JSON (v1/plugins/logs/plugin.go), members in OPA's order:
// labels, decision_id, batch_decision_id, bundles, path, input, result, erased, masked, error, requested_by,
// timestamp (RFC 3339 with nanoseconds, trailing zeros trimmed as Go writes it), metrics; then Clearance's own
// `reasons`. Input and result are spliced in as JSON text, never parsed here; labels and each policy set's
// bundles object are written once and reused.
import type { DecisionRecord } from './decision-event.js'

export interface EventParts {
  record: DecisionRecord
  /** JSON text of the (possibly masked) input; undefined: omitted. */
  input: string | undefined
  /** JSON text of the (possibly masked) result; undefined: omitted. */
  result: string | undefined
  erased?: readonly string[] | undefined
  masked?: readonly string[] | undefined
  /** JSON text of the (possibly masked) shadow result; undefined: the record's own; null: erased. */
  shadowResult?: string | null | undefined
}

export interface EventEncoder {
  /** The event's JSON text, without `reasons`. */
  encode(parts: EventParts): string
}

/**
 * Go's time.RFC3339Nano of a millisecond timestamp. Fractions of a millisecond are kept to the microsecond: a
 * double holding epoch milliseconds cannot resolve nanoseconds.
 */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms)
  const iso = new Date(whole).toISOString()
  const dot = iso.indexOf('.')
  return formatFraction(iso.slice(0, dot), ((whole % 1000) + 1000) % 1000, ms - whole)
}

function formatFraction(seconds: string, millis: number, subMs: number): string {
  const micros = Math.min(999, Math.round(subMs * 1000))
  const fraction = `${String(millis).padStart(3, '0')}${String(micros).padStart(3, '0')}`.replace(/0+$/, '')
  return `${seconds}${fraction === '' ? '' : `.${fraction}`}Z`
}

/** rfc3339Nano with the date and time of day formatted once per second: events arrive many per second. */
function createTimestampFormatter(): (ms: number) => string {
  let second = Number.NaN
  let prefix = ''
  return (ms) => {
    const whole = Math.floor(ms)
    const s = Math.floor(whole / 1000)
    if (s !== second) {
      second = s
      prefix = new Date(s * 1000).toISOString().slice(0, 19)
    }
    return formatFraction(prefix, whole - s * 1000, ms - whole)
  }
}

/** Clearance's `shadow` member: the shadow bundle's revision, result (or error) and how it differs. */
function shadowMember(shadow: NonNullable<DecisionRecord['shadow']>, result: string | undefined): string {
  let text = `,"shadow":{"revision":${JSON.stringify(shadow.revision)}`
  if (result !== undefined) text += `,"result":${result}`
  if (shadow.error !== undefined) text += `,"error":${JSON.stringify(shadow.error)}`
  return `${text},"change":"${shadow.change}"}`
}

/** Appends `"reasons":<json>` as the event's last member. */
export function withReasons(eventJson: string, reasonsJson: string | undefined): string {
  return reasonsJson === undefined ? eventJson : `${eventJson.slice(0, -1)},"reasons":${reasonsJson}}`
}

export function createEventEncoder({
  labels,
  now = Date.now,
}: {
  labels: Readonly<Record<string, string>>
  /** Stamps events recorded without a timestamp. */
  now?: () => number
}): EventEncoder {
  const labelsJson = JSON.stringify(labels)
  const timestamp = createTimestampFormatter()
  const bundlesCache = new WeakMap<object, string>()
  const bundlesJson = (revisions: Readonly<Record<string, string>>): string => {
    let cached = bundlesCache.get(revisions)
    if (cached === undefined) {
      const bundles: Record<string, { revision: string }> = {}
      for (const [name, revision] of Object.entries(revisions)) bundles[name] = { revision }
      cached = Object.keys(bundles).length === 0 ? '' : JSON.stringify(bundles)
      bundlesCache.set(revisions, cached)
    }
    return cached
  }

  return {
    encode({ record, input, result, erased, masked, shadowResult }) {
      let text = `{"labels":${labelsJson},"decision_id":${JSON.stringify(record.decisionId)}`
      if (record.batchDecisionId !== undefined) {
        text += `,"batch_decision_id":${JSON.stringify(record.batchDecisionId)}`
      }
      const bundles = bundlesJson(record.revisions)
      if (bundles !== '') text += `,"bundles":${bundles}`
      text += `,"path":${JSON.stringify(record.path)}`
      if (input !== undefined) text += `,"input":${input}`
      if (result !== undefined) text += `,"result":${result}`
      if (erased !== undefined && erased.length > 0) text += `,"erased":${JSON.stringify(erased)}`
      if (masked !== undefined && masked.length > 0) text += `,"masked":${JSON.stringify(masked)}`
      if (record.error !== undefined) text += `,"error":${JSON.stringify(record.error)}`
      if (record.requestedBy !== undefined) text += `,"requested_by":${JSON.stringify(record.requestedBy)}`
      text += `,"timestamp":"${timestamp(record.timestampMs ?? now())}"`
      if (record.metrics !== undefined) text += `,"metrics":${JSON.stringify(record.metrics)}`
      else if (record.evalNs !== undefined) text += `,"metrics":{"timer_rego_query_eval_ns":${record.evalNs}}`
      if (record.shadow !== undefined) {
        text += shadowMember(
          record.shadow,
          shadowResult === undefined ? record.shadow.result : (shadowResult ?? undefined),
        )
      }
      return `${text}}`
    },
  }
}
