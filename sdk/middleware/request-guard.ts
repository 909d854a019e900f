// The framework-independent core of the middleware: request facts → decision input → decision (HTTP client or
// in-process evaluator) → either the request goes on, with the obligations read onto it, or it is answered with a
// denial. Fails closed throughout: a failed decision, an authorizer that throws, an obligation the service cannot
// fulfil and a failing decision hook all deny. What the outside caller learns is the kind of refusal (401, 403, or
// 503 with Retry-After when no decision could be made), not the PDP's address, its errors or the policy's reasons:
// those go to the handler's hooks and the log, and to the caller only with `exposeReasons`.
import {
  type CheckDecision,
  type DecisionError,
  deniedCheck,
  PdpError,
  type Reason,
} from '../client/index.js'
import {
  createInputBuilder,
  type DecisionInput,
  type InputOptions,
  type RequestFacts,
} from './decision-input.js'
import { type RequestObligations, readObligations } from './obligations.js'
import { type DecisionTracer, startDecisionSpan } from './tracing.js'

/** What answers decisions: the HTTP client (`createClient`) or the local evaluator (`createLocalEvaluator`). */
export interface Authorizer {
  check(input: unknown): CheckDecision | Promise<CheckDecision>
}

/** Set on the request context of every request the guard let through (and handed to onDecision for all). */
export interface Authorization extends RequestObligations {
  decision: CheckDecision
  input: DecisionInput
}

/** A pino-compatible logger (or anything with warn(object, message)). */
export interface GuardLogger {
  warn(fields: Record<string, unknown>, message: string): void
}

export interface GuardOptions extends InputOptions {
  authorizer: Authorizer
  /** HTTP status of a policy denial (default 403; 401 when the policy says authentication is required). */
  denyStatus?: number | ((authorization: Authorization) => number) | undefined
  /**
   * Put the decision's reasons in the denial's body (default false: the caller learns only the kind of refusal and
   * the decision id; reasons can name the PDP's address, its errors and policy tickets).
   */
  exposeReasons?: boolean | undefined
  /** Retry-After (seconds) of the 503 answered when no decision could be made (default 5). */
  retryAfterSeconds?: number | undefined
  /**
   * Where denials are logged with their reasons (default: `console`, one JSON line per denial on stderr); false: not
   * logged. A pino logger fits.
   */
  log?: GuardLogger | false | undefined
  /** An OpenTelemetry tracer (`trace.getTracer('my-service')`): one span per decision. */
  tracer?: DecisionTracer | undefined
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

/** The kind of refusal: forbidden (403), unauthenticated (401), unavailable (503, retry later). */
export type DenialCode = 'forbidden' | 'unauthenticated' | 'unavailable'

export interface DenialBody {
  code: DenialCode
  message: string
  decision_id?: string
  reasons?: Reason[]
}

export type GuardResult =
  | { allowed: true; authorization: Authorization }
  | {
      allowed: false
      authorization: Authorization
      status: number
      /** Headers the answer must carry (Retry-After on a 503). */
      headers: Record<string, string>
      body: DenialBody
    }

export type RequestGuard = (facts: RequestFacts) => Promise<GuardResult>

/** Reason codes after which the caller should sign in, not give up: answered 401. */
const AUTHENTICATION_REASONS = new Set(['authentication_required'])

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

const consoleLog: GuardLogger = {
  warn: (fields, message) => console.warn(JSON.stringify({ level: 'warn', msg: message, ...fields })),
}

export function createRequestGuard(options: GuardOptions): RequestGuard {
  const buildInput = createInputBuilder(options)
  const { authorizer, tracer } = options
  const exposeReasons = options.exposeReasons ?? false
  const retryAfter = String(options.retryAfterSeconds ?? 5)
  const log = options.log === false ? undefined : (options.log ?? consoleLog)
  const denyUnknown = (options.unknownObligations ?? 'deny') === 'deny'

  const deny = (authorization: Authorization, extra: Reason[] = []): GuardResult => {
    const { decision } = authorization
    const reasons = extra.length > 0 ? extra : decision.reasons
    let status: number
    let body: DenialBody
    const headers: Record<string, string> = {}
    if (decision.error !== undefined) {
      // No decision could be made: not "forbidden", and the caller may succeed later.
      status = 503
      headers['retry-after'] = retryAfter
      body = { code: 'unavailable', message: 'no policy decision could be made; try again later' }
    } else if (
      options.denyStatus === undefined &&
      extra.length === 0 &&
      decision.reasons.some((reason) => AUTHENTICATION_REASONS.has(reason.code))
    ) {
      status = 401
      body = { code: 'unauthenticated', message: 'authentication required' }
    } else {
      status =
        typeof options.denyStatus === 'function'
          ? options.denyStatus(authorization)
          : (options.denyStatus ?? 403)
      body = { code: 'forbidden', message: 'denied by policy' }
    }
    if (decision.decisionId !== undefined) body.decision_id = decision.decisionId
    if (exposeReasons) body.reasons = reasons
    log?.warn(
      {
        service: options.service,
        status,
        decision_id: decision.decisionId,
        operation: authorization.input.target.operation,
        reasons,
      },
      'clearance: request denied',
    )
    return { allowed: false, authorization, status, headers, body }
  }

  const decide = async (facts: RequestFacts): Promise<GuardResult> => {
    const input = buildInput(facts)
    const span = tracer === undefined ? undefined : startDecisionSpan(tracer, options.service, input)
    let decision: CheckDecision
    try {
      decision = await authorizer.check(input)
    } catch (thrown) {
      decision = thrownDecision(thrown)
    }
    span?.decided(decision)
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
  return decide
}
