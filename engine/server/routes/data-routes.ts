// OPA's Data API: POST and GET /v1/data/{path}. Reads are answered from the active bundles; the API is
// read-only because all data comes from bundles. On a socket, POST is answered by the lean route in front of hono
// (../lean-data-route.ts); both make the decision with answerData (data-answer.ts).
import type { Context, Hono } from 'hono'
import { encodeJson } from '../../json/index.js'
import { normalizePath } from '../../policy/index.js'
import { refuseExplain } from '../explain-flag.js'
import { queryFlag } from '../query-flags.js'
import { header, parseJsonBytes, readBodyBytes } from '../request-body.js'
import { requestedBy } from '../requested-by.js'
import { bundleOwnedError } from './bundle-owned.js'
import { answerData, type DataQuestion, inputFromBody, nowNs, type RequestInput } from './data-answer.js'
import type { RouteDeps } from './route-deps.js'

function questionOf(c: Context, startedNs: number): DataQuestion {
  refuseExplain(c.req.query('explain'))
  return {
    path: normalizePath(c.req.path.slice('/v1/data'.length)),
    pretty: queryFlag(c, 'pretty'),
    metrics: queryFlag(c, 'metrics') || queryFlag(c, 'instrument'),
    requestedBy: requestedBy(c),
    startedNs,
    strictBuiltinErrors: queryFlag(c, 'strict-builtin-errors'),
    provenance: queryFlag(c, 'provenance'),
  }
}

function inputFromQuery(c: Context, deps: RouteDeps): RequestInput {
  const raw = c.req.query('input')
  if (raw === undefined) return { input: undefined, warning: undefined }
  const value = parseJsonBytes(
    new TextEncoder().encode(raw),
    'input document (query parameter "input")',
    deps.config.json,
  )
  return { input: encodeJson(value), warning: undefined }
}

/** Reads the input (`read`, from the body or the query) and answers with the decision. */
async function answer(
  c: Context,
  deps: RouteDeps,
  read: () => Promise<RequestInput> | RequestInput,
): Promise<Response> {
  const startedNs = nowNs()
  const text = await answerData(deps, questionOf(c, startedNs), await read())
  return c.body(text, 200, { 'content-type': 'application/json' })
}

export function registerDataRoutes(app: Hono, deps: RouteDeps): void {
  for (const route of ['/v1/data', '/v1/data/*']) {
    app.post(route, (c) =>
      answer(c, deps, async () =>
        inputFromBody(await readBodyBytes(c, deps.config), header(c, 'content-type'), deps),
      ),
    )
    app.get(route, (c) => answer(c, deps, () => inputFromQuery(c, deps)))
    app.on(['PUT', 'PATCH', 'DELETE'], route, () => {
      throw bundleOwnedError(deps)
    })
  }
}
