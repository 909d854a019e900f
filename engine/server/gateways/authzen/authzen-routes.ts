// AuthZEN 1.0 (OpenID Authorization API): POST /access/v1/evaluation, POST /access/v1/evaluations and GET
// /.well-known/authzen-configuration. The AuthZEN request itself is the input of one configured decision path
// (--authzen-decision); the decision may be a boolean, {decision, context?} or Clearance's verdict {allow, reasons,
// obligations}, whose reasons and obligations go into the response context with the decision id. A request that is
// not valid AuthZEN is a 400 naming its fields; a decision that cannot be made is `decision: false` with the error
// in its context, never an allow.
import type { Context, Hono } from 'hono'
import type { Logger } from 'pino'
import type { Decider } from '../../../decision/index.js'
import { ClearanceError, ErrorCodes, toClearanceError } from '../../../errors.js'
import { encodeJson, isRecord, parseJson } from '../../../json/index.js'
import { parseJsonBytes, readBodyBytes } from '../../request-body.js'
import { requestedBy } from '../../requested-by.js'
import type { HttpConfig } from '../../routes/route-deps.js'
import type { GatewayMetrics } from '../gateway-metrics.js'
import { type Evaluation, type Json, parseEvaluation, parseEvaluations } from './authzen-request.js'

export const EVALUATION_ROUTE = '/access/v1/evaluation'
export const EVALUATIONS_ROUTE = '/access/v1/evaluations'
export const CONFIGURATION_ROUTE = '/.well-known/authzen-configuration'

export interface AuthzenDeps {
  decider: Decider
  log: Logger
  config: HttpConfig
  metrics: GatewayMetrics
  /** Decision path that answers one AuthZEN evaluation, e.g. "authzen/todo/decision". */
  path: string
}

export interface EvaluationResult {
  decision: boolean
  context?: Json
}

/** The decision value → AuthZEN's {decision, context}. */
function resultOf(value: unknown, decisionId: string, path: string): EvaluationResult {
  if (typeof value === 'boolean') return { decision: value, context: { decision_id: decisionId } }
  if (isRecord(value) && typeof value.decision === 'boolean') {
    const context = isRecord(value.context) ? value.context : {}
    return { decision: value.decision, context: { ...context, decision_id: decisionId } }
  }
  if (isRecord(value) && typeof value.allow === 'boolean') {
    return {
      decision: value.allow,
      context: {
        decision_id: decisionId,
        ...(Array.isArray(value.reasons) ? { reasons: value.reasons } : {}),
        ...(Array.isArray(value.obligations) ? { obligations: value.obligations } : {}),
      },
    }
  }
  throw new ClearanceError(
    ErrorCodes.evaluationError,
    `decision data.${path.replaceAll('/', '.')} is neither a boolean, {decision} nor {allow}; denying`,
  )
}

export function registerAuthzenRoutes(app: Hono, deps: AuthzenDeps): void {
  const evaluate = async (c: Context, evaluation: Evaluation): Promise<EvaluationResult> => {
    let decisionId: string | undefined
    try {
      const decision = await deps.decider.decide(deps.path, encodeJson(evaluation), undefined, {
        requestedBy: requestedBy(c),
      })
      decisionId = decision.decisionId
      if (!decision.outcome.defined) {
        throw new ClearanceError(
          ErrorCodes.evaluationError,
          `decision data.${deps.path.replaceAll('/', '.')} is undefined in the active bundles; denying`,
        )
      }
      const result = resultOf(parseJson(decision.outcome.json), decision.decisionId, deps.path)
      deps.metrics.checked('authzen', result.decision ? 'allow' : 'deny')
      return result
    } catch (thrown) {
      const error = toClearanceError(thrown, ErrorCodes.internalError)
      deps.metrics.checked('authzen', 'error')
      deps.log.warn(
        { code: error.code, decision_id: decisionId },
        `AuthZEN evaluation denied: ${error.message}`,
      )
      return {
        decision: false,
        context: {
          ...(decisionId === undefined ? {} : { decision_id: decisionId }),
          error: { code: error.code, message: error.message },
        },
      }
    }
  }

  const body = async (c: Context): Promise<unknown> =>
    parseJsonBytes(await readBodyBytes(c, deps.config), 'AuthZEN request', deps.config.json)

  const reply = (c: Context, value: unknown): Response => {
    const requestId = c.req.header('x-request-id')
    if (requestId !== undefined) c.header('x-request-id', requestId)
    return c.json(value, 200)
  }

  app.post(EVALUATION_ROUTE, async (c) => reply(c, await evaluate(c, parseEvaluation(await body(c)))))

  app.post(EVALUATIONS_ROUTE, async (c) => {
    const raw = await body(c)
    const { evaluations, semantic } = parseEvaluations(raw)
    // without a list, the batch endpoint answers as the single one does
    if (evaluations === undefined) return reply(c, await evaluate(c, parseEvaluation(raw)))
    const results: EvaluationResult[] = []
    for (const evaluation of evaluations) {
      const result = await evaluate(c, evaluation)
      results.push(result)
      if (semantic === 'deny_on_first_deny' && !result.decision) break
      if (semantic === 'permit_on_first_permit' && result.decision) break
    }
    return reply(c, { evaluations: results })
  })

  app.get(CONFIGURATION_ROUTE, (c) => {
    const origin = new URL(c.req.url).origin
    return c.json({
      policy_decision_point: origin,
      access_evaluation_endpoint: `${origin}${EVALUATION_ROUTE}`,
      access_evaluations_endpoint: `${origin}${EVALUATIONS_ROUTE}`,
    })
  })
}
