// POST /v1/check — Clearance's native decision route. The body is the decision input itself (the policy
// library's schema); it is validated first (400 naming the failing fields, nothing evaluated), then the decision
// entrypoint answers {allow, reasons, obligations} with the decision id and the revisions that made it.
// Anything but a well-formed verdict is an error, never an allow.
import type { Hono } from 'hono'
import type { InputValidator } from '../../decision/input-schema.js'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { encodeJson, parseJson, stringifyJson } from '../../evaluator/json-codec.js'
import { provenanceJson } from '../decision-response.js'
import { queryFlag } from '../query-flags.js'
import { parseJsonBytes, readBodyBytes } from '../request-body.js'
import type { RouteDeps } from './route-deps.js'

export interface CheckRouteDeps extends RouteDeps {
  /** Decision entrypoint, e.g. "clearance/authz/decision". */
  checkPath: string
  validateInput: InputValidator | undefined
}

interface Verdict {
  allow: boolean
  reasons: unknown[]
  obligations: unknown[]
}

function asVerdict(value: unknown, path: string): Verdict {
  const verdict = value as Partial<Verdict> | null
  if (
    verdict === null ||
    typeof verdict !== 'object' ||
    typeof verdict.allow !== 'boolean' ||
    !Array.isArray(verdict.reasons) ||
    !Array.isArray(verdict.obligations)
  ) {
    throw new ClearanceError(
      ErrorCodes.evaluationError,
      `decision data.${path.replaceAll('/', '.')} did not return {allow, reasons, obligations}; denying`,
    )
  }
  return verdict as Verdict
}

export function registerCheckRoute(app: Hono, deps: CheckRouteDeps): void {
  app.post('/v1/check', async (c) => {
    const input = parseJsonBytes(await readBodyBytes(c, deps.config), 'input document')
    const problems = deps.validateInput?.(input) ?? []
    if (problems.length > 0) {
      throw new ClearanceError(
        ErrorCodes.invalidParameter,
        'input does not match the decision input schema',
        {
          details: problems,
        },
      )
    }
    const decision = deps.decider.decide(deps.checkPath, encodeJson(input))
    if (!decision.outcome.defined) {
      throw new ClearanceError(
        ErrorCodes.evaluationError,
        `decision data.${deps.checkPath.replaceAll('/', '.')} is undefined in the active bundles; denying`,
      )
    }
    const verdict = asVerdict(parseJson(decision.outcome.json), deps.checkPath)
    const members = stringifyJson({
      allow: verdict.allow,
      reasons: verdict.reasons,
      obligations: verdict.obligations,
    })
    const text = `{"decision_id":"${decision.decisionId}",${members.slice(1, -1)},"provenance":${provenanceJson(decision.policies, deps.version)}}`
    const body = queryFlag(c, 'pretty') ? `${stringifyJson(parseJson(text), 2)}\n` : `${text}\n`
    return c.body(body, 200, { 'content-type': 'application/json' })
  })
}
