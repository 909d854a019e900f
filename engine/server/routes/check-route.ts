// POST /v1/check — Clearance's native decision route. The body is the decision input itself (the policy
// library's schema); it is validated first (400 naming the failing fields, nothing evaluated), then the decision
// entrypoint answers {allow, reasons, obligations} with the decision id and the revisions that made it.
// The verdict is shaped by decision/verdict.ts, the same code the SDK's in-process evaluator uses.
import type { Hono } from 'hono'
import type { InputValidator } from '../../decision/index.js'
import { decideVerdict } from '../../decision/index.js'
import { parseJson, stringifyJson } from '../../json/index.js'
import { provenanceJson } from '../decision-response.js'
import { queryFlag } from '../query-flags.js'
import { parseJsonBytes, readBodyBytes } from '../request-body.js'
import { requestedBy } from '../requested-by.js'
import type { RouteDeps } from './route-deps.js'

export interface CheckRouteDeps extends RouteDeps {
  /** Decision entrypoint, e.g. "clearance/authz/decision". */
  checkPath: string
  validateInput: InputValidator | undefined
}

export function registerCheckRoute(app: Hono, deps: CheckRouteDeps): void {
  app.post('/v1/check', async (c) => {
    const input = parseJsonBytes(await readBodyBytes(c, deps.config), 'input document', deps.config.json)
    const { decision, verdict } = await decideVerdict(deps, input, undefined, {
      requestedBy: requestedBy(c),
    })
    const members = stringifyJson(verdict)
    const text = `{"decision_id":"${decision.decisionId}",${members.slice(1, -1)},"provenance":${provenanceJson(decision.policies, deps.version)}}`
    const body = queryFlag(c, 'pretty') ? `${stringifyJson(parseJson(text), 2)}\n` : `${text}\n`
    return c.body(body, 200, { 'content-type': 'application/json' })
  })
}
