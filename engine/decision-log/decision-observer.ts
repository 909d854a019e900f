// The one call a route makes per decision: it classifies the outcome once, feeds the decision metrics and records
// the decision-log event. Either part may be absent (metrics off, logging off); then the call costs next to nothing.
import type { Decision } from '../decision/index.js'
import type { Metrics } from '../metrics/index.js'
import { classifyOutcome } from '../metrics/index.js'
import { decisionRecord, errorRecord, type RecordExtras } from './decision-event.js'
import type { DecisionLogger } from './decision-logger.js'

export interface DecisionObserver {
  /** A decision was made; `input` is the exact bytes the policy got (not mutated afterwards). */
  decided(decision: Decision, input: Uint8Array | string | undefined, extras?: RecordExtras): void
  /** A decision could not be made (policy error, no active bundle, stale bundles): `elapsedNs` until it failed. */
  failed(
    path: string,
    input: Uint8Array | string | undefined,
    error: { code: string; message: string },
    elapsedNs: number,
    extras?: RecordExtras & { revisions?: Readonly<Record<string, string>> | undefined },
  ): void
}

export function createDecisionObserver({
  metrics,
  decisionLog,
}: {
  metrics?: Pick<Metrics, 'observeDecision'> | undefined
  decisionLog?: Pick<DecisionLogger, 'record'> | undefined
}): DecisionObserver {
  return {
    decided(decision, input, extras) {
      const outcome = extras?.error === undefined ? classifyOutcome(decision.outcome) : 'error'
      metrics?.observeDecision(decision.path, outcome, decision.evalNs)
      if (decisionLog !== undefined) {
        const record = decisionRecord(decision, input, extras)
        record.outcome = outcome
        decisionLog.record(record)
      }
    },
    failed(path, input, error, elapsedNs, extras) {
      metrics?.observeDecision(path, 'error', elapsedNs)
      decisionLog?.record(errorRecord(path, input, error, extras))
    },
  }
}
