// Writes decision answers in OPA's Data API shape. The policy's value is already JSON text; it is spliced in as
// it is (no parse, no re-stringify), except for ?pretty, which re-indents the whole body.
import type { Decision } from '../decision/index.js'
import { parseJson, stringifyJson } from '../json/index.js'
import type { PolicySet } from '../policy/index.js'

export interface Warning {
  code: string
  message: string
}

export const MISSING_INPUT_WARNING: Warning = {
  code: 'api_usage_warning',
  message: "'input' key missing from the request",
}

export interface ResponseOptions {
  pretty: boolean
  metrics?: Record<string, number> | undefined
  warning?: Warning | undefined
  version: string
  /** The client asked ?provenance: OPA's whole provenance shape. */
  provenance?: boolean | undefined
}

const provenanceCache = new WeakMap<PolicySet, string>()
const askedProvenanceCache = new WeakMap<PolicySet, string>()

/**
 * OPA's `provenance` object with the revision of every bundle that made the decision. Clearance writes it on every
 * answer as `{version, bundles}`; asked for with ?provenance it is OPA's whole shape, build_commit, build_timestamp
 * and build_hostname included (empty strings, as in an unstamped OPA build: Clearance is not stamped at build time).
 * The empty build fields stay out of answers that did not ask: OPA never sends them unasked, and a client that
 * validates them (the official TypeScript client checks build_timestamp as a date) would refuse the answer.
 */
export function provenanceJson(set: PolicySet, version: string, asked = false): string {
  const cache = asked ? askedProvenanceCache : provenanceCache
  let cached = cache.get(set)
  if (cached === undefined) {
    const bundles: Record<string, { revision: string }> = {}
    for (const [name, revision] of Object.entries(set.revisions)) bundles[name] = { revision }
    cached = JSON.stringify(
      asked
        ? { version, build_commit: '', build_timestamp: '', build_hostname: '', bundles }
        : { version, bundles },
    )
    cache.set(set, cached)
  }
  return cached
}

/** The members of one decision's answer, as JSON text without braces, for the data and batch APIs. */
export function decisionMembers(decision: Decision, options: ResponseOptions): string {
  let text = `"decision_id":"${decision.decisionId}","provenance":${provenanceJson(decision.policies, options.version, options.provenance === true)}`
  if (options.metrics !== undefined) text += `,"metrics":${JSON.stringify(options.metrics)}`
  if (decision.outcome.defined) text += `,"result":${decision.outcome.json}`
  if (options.warning !== undefined) text += `,"warning":${JSON.stringify(options.warning)}`
  return text
}

export function dataResponseText(decision: Decision, options: ResponseOptions): string {
  return prettify(`{${decisionMembers(decision, options)}}`, options.pretty)
}

/** Success bodies end with a newline, as OPA writes them; ?pretty indents by two spaces. */
export function prettify(text: string, pretty: boolean): string {
  return pretty ? `${stringifyJson(parseJson(text), 2)}\n` : `${text}\n`
}
