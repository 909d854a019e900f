// POST / — OPA's default decision: the whole body is the input, the answer is the bare value.
import type { Hono } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { encodeJson } from '../../json/index.js'
import { prettify } from '../decision-response.js'
import { queryFlag } from '../query-flags.js'
import { isBlank, parseJsonBytes, readBodyBytes } from '../request-body.js'
import { requestedBy } from '../requested-by.js'
import type { RouteDeps } from './route-deps.js'

function parseInput(bytes: Uint8Array, deps: RouteDeps): unknown {
  try {
    return parseJsonBytes(bytes, 'input document', deps.config.json)
  } catch (thrown) {
    if (!(thrown instanceof ClearanceError)) throw thrown
    throw new ClearanceError(thrown.code, `unexpected parse error for input: ${thrown.message}`)
  }
}

export function registerDefaultDecisionRoute(app: Hono, deps: RouteDeps): void {
  const path = deps.config.defaultDecision
  app.post('/', async (c) => {
    const bytes = await readBodyBytes(c, deps.config)
    const input = isBlank(bytes) ? undefined : encodeJson(parseInput(bytes, deps))
    const decision = await deps.decider.decide(path, input, undefined, { requestedBy: requestedBy(c) })
    if (!decision.outcome.defined) {
      throw new ClearanceError(
        ErrorCodes.undefinedDocument,
        `document undefined: data.${path.replaceAll('/', '.')}`,
      )
    }
    c.header('x-clearance-decision-id', decision.decisionId)
    return c.body(prettify(decision.outcome.json, queryFlag(c, 'pretty')), 200, {
      'content-type': 'application/json',
    })
  })
}
