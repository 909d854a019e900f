// OPA's Data API: POST and GET /v1/data/{path}. Reads are answered from the active bundles; the API is
// read-only because all data comes from bundles.
import type { Context, Hono } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { ESCAPED_KEY, encodeJson, isRecord, topLevelMemberSpan } from '../../json/index.js'
import { normalizePath } from '../../policy/index.js'
import { dataResponseText, MISSING_INPUT_WARNING, type Warning } from '../decision-response.js'
import { refuseExplain } from '../explain-flag.js'
import { queryFlag } from '../query-flags.js'
import { isBlank, parseJsonBytes, readBodyBytes } from '../request-body.js'
import { decodeRequestDocument } from '../request-document.js'
import { requestedBy } from '../requested-by.js'
import { bundleOwnedError } from './bundle-owned.js'
import type { RouteDeps } from './route-deps.js'

const nowNs = (): number => Number(process.hrtime.bigint())

function pathOf(c: Context): string {
  return normalizePath(c.req.path.slice('/v1/data'.length))
}

interface RequestInput {
  input: Uint8Array | undefined
  warning: Warning | undefined
}

async function inputFromBody(c: Context, deps: RouteDeps): Promise<RequestInput> {
  const bytes = await readBodyBytes(c, deps.config)
  if (isBlank(bytes)) return { input: undefined, warning: MISSING_INPUT_WARNING }
  const { value: body, bytesExact } = decodeRequestDocument(c, bytes, 'input document', deps.config.json)
  if (!isRecord(body)) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      'body must be a JSON object of the form {"input": ...}',
    )
  }
  if (!Object.hasOwn(body, 'input')) return { input: undefined, warning: MISSING_INPUT_WARNING }
  // The input's own bytes go to the policy: no stringify of what was just parsed.
  const span = bytesExact ? topLevelMemberSpan(bytes, 'input') : undefined
  const input =
    span === undefined || span === ESCAPED_KEY ? encodeJson(body.input) : bytes.subarray(span.start, span.end)
  return { input, warning: undefined }
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

async function answer(
  c: Context,
  deps: RouteDeps,
  read: () => Promise<RequestInput> | RequestInput,
): Promise<Response> {
  const started = nowNs()
  refuseExplain(c)
  const { input, warning } = await read()
  const parsed = nowNs()
  const decision = await deps.decider.decide(pathOf(c), input, undefined, {
    requestedBy: requestedBy(c),
    strictBuiltinErrors: queryFlag(c, 'strict-builtin-errors'),
  })
  const wantMetrics = queryFlag(c, 'metrics') || queryFlag(c, 'instrument')
  const metrics = wantMetrics
    ? {
        timer_rego_input_parse_ns: parsed - started,
        timer_rego_query_eval_ns: decision.evalNs,
        timer_server_handler_ns: nowNs() - started,
      }
    : undefined
  const text = dataResponseText(decision, {
    pretty: queryFlag(c, 'pretty'),
    metrics,
    warning,
    version: deps.version,
    provenance: queryFlag(c, 'provenance'),
  })
  return c.body(text, 200, { 'content-type': 'application/json' })
}

export function registerDataRoutes(app: Hono, deps: RouteDeps): void {
  for (const route of ['/v1/data', '/v1/data/*']) {
    app.post(route, (c) => answer(c, deps, () => inputFromBody(c, deps)))
    app.get(route, (c) => answer(c, deps, () => inputFromQuery(c, deps)))
    app.on(['PUT', 'PATCH', 'DELETE'], route, () => {
      throw bundleOwnedError(deps)
    })
  }
}
