// Makes decisions: takes the active policy set once, evaluates a path with an input, and returns the answer with
// its id, the revisions that made it and OPA's timers. Every failure is a thrown ClearanceError, never an allow.
import { randomUUID } from 'node:crypto'
import type { PolicyRegistry } from '../activation/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import type { DecisionCache, EvalOutcome, PolicySet } from '../policy/index.js'

export interface Decision {
  decisionId: string
  path: string
  outcome: EvalOutcome
  policies: PolicySet
  /** Nanoseconds spent in the policy. */
  evalNs: number
}

/** Who asked, for the decision log. */
export interface DecisionContext {
  requestedBy?: string | undefined
  batchDecisionId?: string | undefined
  /** ?strict-builtin-errors: a failing builtin fails the decision (never read from or kept in the cache). */
  strictBuiltinErrors?: boolean | undefined
}

export interface Decider {
  /** The policy set decisions are made with right now; throws when none is active. */
  policies(): PolicySet
  /**
   * Evaluates `path` with `input` (JSON bytes; the caller must not change them afterwards, observers keep a
   * reference), without blocking while a time-limited policy evaluates on its own thread. Rejects with a
   * ClearanceError when no decision can be made.
   */
  decide(
    path: string,
    input: Uint8Array | undefined,
    policies?: PolicySet,
    context?: DecisionContext,
  ): Promise<Decision>
}

const nowNs = (): number => Number(process.hrtime.bigint())

export interface DeciderDeps {
  registry: PolicyRegistry
  /** Why every decision must be denied right now (e.g. stale bundles); undefined when none. */
  failClosed?: () => string | undefined
  /**
   * Answers repeated inputs of deterministic policies from memory; emptied on every activation, and consulted
   * only for decisions on the active set. Undefined: every decision is evaluated.
   */
  cache?: DecisionCache | undefined
}

export function createDecider({ registry, failClosed, cache }: DeciderDeps): Decider {
  if (cache !== undefined) registry.onActivate(() => cache.clear())
  const policies = (): PolicySet => {
    const refusal = failClosed?.()
    if (refusal !== undefined) throw new ClearanceError(ErrorCodes.internalError, refusal)
    const current = registry.current()
    if (current === undefined) {
      throw new ClearanceError(
        ErrorCodes.internalError,
        'no policy bundle is active yet; every decision is denied',
      )
    }
    return current
  }
  return {
    policies,
    async decide(path, input, set = policies(), context) {
      const started = nowNs()
      const strict = context?.strictBuiltinErrors === true
      // A decision asked of an older set (one taken before an activation) never reads or fills the cache.
      const cached = cache !== undefined && set === registry.current() && !strict
      let outcome = cached ? cache.get(set, path, input) : undefined
      if (outcome === undefined) {
        // The client's address without its port: evaluation threads are shared fairly per client.
        outcome = await set.evaluate(path, input, {
          caller: context?.requestedBy?.replace(/:\d+$/, ''),
          strictBuiltinErrors: strict,
        })
        if (cached) cache.put(set, path, input, outcome)
      }
      return { decisionId: randomUUID(), path, outcome, policies: set, evalNs: nowNs() - started }
    },
  }
}
