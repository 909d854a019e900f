// What the request path hands the decision log: references to what the decision already holds (the input bytes
// given to wasm, the result's JSON text, the policy set's revisions object), never a parsed or re-serialised copy.
// Everything costly (decoding, masking, encoding the OPA event) happens later, off the request path.
import { randomUUID } from 'node:crypto'
import type { Decision } from '../decision/index.js'
import type { DecisionOutcome } from '../metrics/index.js'

export interface DecisionRecord {
  decisionId: string
  /** Decision path as evaluated, e.g. "clearance/authz/decision". */
  path: string
  /** The input's JSON text (bytes as given to the policy, or a string); undefined when there was none. */
  input: Uint8Array | string | undefined
  /** The result's JSON text; undefined when the decision was undefined or failed. */
  result: string | undefined
  /** Bundle name → revision (PolicySet.revisions; shared, never copied). */
  revisions: Readonly<Record<string, string>>
  /** Client address, "ip:port" ("[::1]:5000" for IPv6), as OPA's requested_by. */
  requestedBy?: string | undefined
  /** Nanoseconds in the policy; becomes metrics.timer_rego_query_eval_ns unless `metrics` is given. */
  evalNs?: number | undefined
  /** OPA-style timers (timer_rego_query_eval_ns, timer_server_handler_ns, …). */
  metrics?: Readonly<Record<string, number>> | undefined
  /** Set when the decision failed: OPA's error object. */
  error?: { code: string; message: string } | undefined
  /** Decision id of the batch request this decision was part of. */
  batchDecisionId?: string | undefined
  /** Computed by the caller when it already has it (metrics); otherwise derived when sampling needs it. */
  outcome?: DecisionOutcome | undefined
  /** Milliseconds since the epoch; stamped by record() when absent. */
  timestampMs?: number | undefined
  /** What the shadow bundle answered for the same input (engine/shadow), when one is configured. */
  shadow?: ShadowOutcome | undefined
}

/** The shadow bundle's answer, logged as the event's `shadow` member. */
export interface ShadowOutcome {
  revision: string
  /** The shadow result's JSON text; undefined when undefined or failed. */
  result?: string | undefined
  error?: { code: string; message: string } | undefined
  change: 'unchanged' | 'newly_allowed' | 'newly_denied' | 'changed' | 'error'
}

export interface RecordExtras {
  requestedBy?: string | undefined
  /** The decision was made but the request failed on it (e.g. a malformed verdict): OPA's error object. */
  error?: { code: string; message: string } | undefined
  metrics?: Readonly<Record<string, number>> | undefined
  outcome?: DecisionOutcome | undefined
  batchDecisionId?: string | undefined
}

const NO_REVISIONS: Readonly<Record<string, string>> = Object.freeze({})

/** The record of a decision that was made (defined or undefined). */
export function decisionRecord(
  decision: Decision,
  input: Uint8Array | string | undefined,
  extras?: RecordExtras,
): DecisionRecord {
  return {
    decisionId: decision.decisionId,
    path: decision.path,
    input,
    result: decision.outcome.defined ? decision.outcome.json : undefined,
    revisions: decision.policies.revisions,
    requestedBy: extras?.requestedBy,
    evalNs: decision.evalNs,
    metrics: extras?.metrics,
    error:
      extras?.error === undefined ? undefined : { code: extras.error.code, message: extras.error.message },
    outcome: extras?.error === undefined ? extras?.outcome : 'error',
    batchDecisionId: extras?.batchDecisionId,
  }
}

/** The record of a decision that failed (the policy threw, no bundle was active, …). */
export function errorRecord(
  path: string,
  input: Uint8Array | string | undefined,
  error: { code: string; message: string },
  extras?: RecordExtras & { revisions?: Readonly<Record<string, string>> | undefined },
): DecisionRecord {
  return {
    decisionId: randomUUID(),
    path,
    input,
    result: undefined,
    revisions: extras?.revisions ?? NO_REVISIONS,
    requestedBy: extras?.requestedBy,
    metrics: extras?.metrics,
    error: { code: error.code, message: error.message },
    outcome: 'error',
    batchDecisionId: extras?.batchDecisionId,
  }
}

/** OPA's requested_by: "ip:port", IPv6 addresses in brackets. */
export function remoteAddr(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined) return undefined
  const host = address.includes(':') ? `[${address}]` : address
  return port === undefined ? host : `${host}:${port}`
}
