// POST /v1/batch/data/{path} — many inputs, one path, in the shape Enterprise OPA and its clients use:
// {"inputs": {"<id>": input}, "common_input"?: object} → {"responses": {"<id>": answer}}. 200 when every item
// succeeds, 207 when some fail (every item then carries "http_status_code"), 500 when all fail. A failed item
// holds OPA's error body.
import { randomUUID } from 'node:crypto'
import type { Context, Hono } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { encodeJson, isRecord } from '../../json/index.js'
import { normalizePath } from '../../policy/index.js'
import { decisionMembers, prettify } from '../decision-response.js'
import { describeError } from '../error-response.js'
import { queryFlag } from '../query-flags.js'
import { parseJsonBytes, readBodyBytes } from '../request-body.js'
import { requestedBy } from '../requested-by.js'
import type { RouteDeps } from './route-deps.js'

/** Lays `specific` over `common`, recursing where both hold objects; the per-input value wins. */
export function mergeCommonInput(common: unknown, specific: unknown): unknown {
  if (!isRecord(common) || !isRecord(specific)) return specific
  const merged: Record<string, unknown> = { ...common }
  for (const [key, value] of Object.entries(specific)) merged[key] = mergeCommonInput(common[key], value)
  return merged
}

interface Item {
  id: string
  ok: boolean
  text: string
}

async function batch(c: Context, deps: RouteDeps): Promise<Response> {
  const body = parseJsonBytes(await readBodyBytes(c, deps.config), 'input document', deps.config.json)
  if (!isRecord(body)) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      'body must be a JSON object of the form {"inputs": {"<id>": <input>, ...}}',
    )
  }
  if (body.inputs !== undefined && !isRecord(body.inputs)) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      '"inputs" must be an object mapping ids to input documents',
    )
  }
  const inputs = body.inputs ?? {}
  const path = normalizePath(c.req.path.slice('/v1/batch/data'.length))
  const policies = deps.decider.policies()
  const context = { requestedBy: requestedBy(c), batchDecisionId: randomUUID() }
  // Items queue on the policy's thread together, so the server keeps answering others meanwhile.
  const items = await Promise.all(
    Object.entries(inputs).map(async ([id, input]): Promise<Item> => {
      try {
        const merged = body.common_input === undefined ? input : mergeCommonInput(body.common_input, input)
        const decision = await deps.decider.decide(path, encodeJson(merged), policies, context)
        return { id, ok: true, text: decisionMembers(decision, { pretty: false, version: deps.version }) }
      } catch (thrown) {
        const { status, body: error } = describeError(thrown, deps.log)
        return { id, ok: false, text: `"http_status_code":"${status}",${JSON.stringify(error).slice(1, -1)}` }
      }
    }),
  )
  const failed = items.filter((item) => !item.ok).length
  const mixed = failed > 0 && failed < items.length
  const responses = items
    .map(
      ({ id, ok, text }) =>
        `${JSON.stringify(id)}:{${mixed && ok ? `"http_status_code":"200",${text}` : text}}`,
    )
    .join(',')
  const warning =
    body.inputs === undefined
      ? `,"warning":{"code":"api_usage_warning","message":"'inputs' key missing from the request"}`
      : ''
  const text = prettify(`{"responses":{${responses}}${warning}}`, queryFlag(c, 'pretty'))
  const status = failed === 0 ? 200 : mixed ? 207 : 500
  return c.body(text, status, { 'content-type': 'application/json' })
}

export function registerBatchRoute(app: Hono, deps: RouteDeps): void {
  app.post('/v1/batch/data', (c) => batch(c, deps))
  app.post('/v1/batch/data/*', (c) => batch(c, deps))
}
