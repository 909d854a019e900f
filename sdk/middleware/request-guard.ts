// The framework-independent core of the middleware: request facts → decision input → decision (HTTP client or
// in-process evaluator) → either the request goes on, with the obligations read onto it, or it is answered with a
// denial. Fails closed throughout: a failed decision, an authorizer that throws, an obligation the service cannot
// fulfil and a failing decision hook all deny.
import { type CheckDecision, type DecisionError, deniedCheck, PdpError, type Reason } from './decision.js'
import {
  createInputBuilder,
  type DecisionInput,
  type InputOptions,
  type RequestFacts,
} from './decision-input.js'
import { type RequestObligations, readObligations } from './obligations.js'

/** What answers decisions: the HTTP client (`createClient`) or the local evaluator (`createLocalEvaluator`). */
export interface Authorizer {
  check(input: unknown): CheckDecision | Promise<CheckDecision>
}

/** Set on the request context of every request the guard let through (and handed to onDecision for all). */
export interface Authorization extends RequestObligations {
  decision: CheckDecision
  input: DecisionInput
}

export interface GuardOptions extends InputOptions {
  authorizer: Authorizer
  /** HTTP status of a denial (default 403). */
  denyStatus?: number | ((authorization: Authorization) => number) | undefined
  /** Put the decision's reasons in the denial's body (default true). */
  exposeReasons?: boolean | undefined
  /** An allow with an obligation type the SDK does not know: deny (default) or let it through. */
  unknownObligations?: 'deny' | 'ignore' | undefined
  /** Redact mask_fields from JSON responses (default true). */
  maskResponses?: boolean | undefined
  /**
   * Called with every decision before the request goes on, e.g. to write the record the audit obligation asks
   * for. A hook that throws denies the request: an obligation that could not be fulfilled is not an allow.
   */
  onDecision?: ((authorization: Authorization, facts: RequestFacts) => void | Promise<void>) | undefined
}

export interface DenialBody {
  code: 'forbidden'
  message: string
  decision_id?: string
  reasons?: Reason[]
}

export type GuardResult =
  | { allowed: true; authorization: Authorization }
  | { allowed: false; authorization: Authorization; status: number; body: DenialBody }

export type RequestGuard = (facts: RequestFacts) => Promise<GuardResult>

/** An authorizer that threw (throwOnError, or a bug) still leaves a deny behind. */
function thrownDecision(thrown: unknown): CheckDecision {
  const error: DecisionError =
    thrown instanceof PdpError
      ? thrown.error
      : {
          code: 'pdp_error',
          message: `the decision failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        }
  return deniedCheck(error)
}

export function createRequestGuard(options: GuardOptions): RequestGuard {
  const buildInput = createInputBuilder(options)
  const { authorizer } = options
  const exposeReasons = options.exposeReasons ?? true
  const denyUnknown = (options.unknownObligations ?? 'deny') === 'deny'

  const deny = (authorization: Authorization, extra: Reason[] = []): GuardResult => {
    const status =
      typeof options.denyStatus === 'function'
        ? options.denyStatus(authorization)
        : (options.denyStatus ?? 403)
    const { decision } = authorization
    const body: DenialBody = {
      code: 'forbidden',
      message: decision.error === undefined ? 'denied by policy' : 'no policy decision could be made; denied',
    }
    if (decision.decisionId !== undefined) body.decision_id = decision.decisionId
    if (exposeReasons) body.reasons = extra.length > 0 ? extra : decision.reasons
    return { allowed: false, authorization, status, body }
  }

  return async (facts) => {
    const input = buildInput(facts)
    let decision: CheckDecision
    try {
      decision = await authorizer.check(input)
    } catch (thrown) {
      decision = thrownDecision(thrown)
    }
    const authorization: Authorization = { decision, input, ...readObligations(decision.obligations) }
    try {
      await options.onDecision?.(authorization, facts)
    } catch (thrown) {
      return deny(authorization, [
        {
          code: 'obligation_failed',
          message: `the service could not record the decision: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        },
      ])
    }
    if (!decision.allow) return deny(authorization)
    if (denyUnknown && authorization.unknown.length > 0) {
      return deny(
        authorization,
        authorization.unknown.map(({ type }) => ({
          code: 'unknown_obligation',
          message: `the policy asks for obligation "${type}", which this service cannot fulfil; denied`,
        })),
      )
    }
    return { allowed: true, authorization }
  }
}
