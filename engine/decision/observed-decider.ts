// Reports every decision, made or failed, to an observer (metrics and the decision log) from one place, so no
// route can forget to; the observer's work is O(1) here and the rest happens off the request path.

import { type ClearanceError, ErrorCodes, toClearanceError } from '../errors.js'
import type { Decider, Decision, DecisionContext } from './decider.js'

export interface DecisionObserverLike {
  decided(decision: Decision, input: Uint8Array | undefined, extras?: DecisionContext): void
  failed(
    path: string,
    input: Uint8Array | undefined,
    error: ClearanceError,
    elapsedNs: number,
    extras?: DecisionContext,
  ): void
}

const nowNs = (): number => Number(process.hrtime.bigint())

export function observeDecisions(decider: Decider, observer: DecisionObserverLike): Decider {
  const failed = (
    path: string,
    input: Uint8Array | undefined,
    thrown: unknown,
    started: number,
    context: DecisionContext | undefined,
  ): never => {
    observer.failed(
      path,
      input,
      toClearanceError(thrown, ErrorCodes.internalError),
      nowNs() - started,
      context,
    )
    throw thrown
  }
  return {
    policies: () => decider.policies(),
    async decide(path, input, policies, context) {
      const started = nowNs()
      let decision: Decision
      try {
        decision = await decider.decide(path, input, policies, context)
      } catch (thrown) {
        return failed(path, input, thrown, started, context)
      }
      observer.decided(decision, input, context)
      return decision
    },
  }
}
