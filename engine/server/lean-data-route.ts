// POST /v1/data[/{path}] read straight from the Node request, in front of hono: the hot path of a policy decision
// point. Profiling `clearance serve` on a trivial policy put most of the CPU of a request in the layers around the
// decision (a web Request and Headers built from the Node request, a Response and its conversion back, five
// middlewares); this route does only what those layers did for this one route, in the same order: authentication,
// the in-flight limit, the body's size/encoding/shape limits, the decision (data-answer.ts, shared with the hono
// route), gzip when accepted and large, the request metrics, and every error through describeError (one error→HTTP
// map, so every failure is an OPA error body and never an allow). Everything else — other methods, other paths, a
// path hono would normalize — falls through to hono unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { gzipSync } from 'node:zlib'
import { remoteAddr } from '../decision-log/index.js'
import type { Metrics } from '../metrics/index.js'
import { normalizePath } from '../policy/index.js'
import { describeError } from './error-response.js'
import { refuseExplain } from './explain-flag.js'
import type { RequestAuthenticator } from './middleware/authentication.js'
import type { InFlightLimit } from './middleware/concurrency-limit.js'
import { acceptsGzip } from './middleware/gzip-response.js'
import { readRequestBytes } from './request-body.js'
import { answerData, inputFromBody, nowNs } from './routes/data-answer.js'
import type { RouteDeps } from './routes/route-deps.js'

/** Answers the request and returns true, or returns false (having touched nothing) for hono to answer it. */
export type LeanRoute = (req: IncomingMessage, res: ServerResponse) => boolean

export interface LeanDataRouteDeps extends RouteDeps {
  /** The same check the authentication middleware makes; undefined when authentication is off. */
  authenticate: RequestAuthenticator | undefined
  /** The same count of requests in flight the concurrency-limit middleware keeps. */
  limit: InFlightLimit
  metrics?: Pick<Metrics, 'observeRequest'> | undefined
  /** Answers of at least this many bytes are gzipped for clients that accept it. */
  gzipMinLength: number
}

const DATA = '/v1/data'
/**
 * Paths hono sees exactly as written. Others (percent-encoding, dot segments, characters the URL parser
 * re-encodes, no Host header, paths OPA redirects) go to hono, which normalizes or redirects them.
 */
const PLAIN_PATH = /^[A-Za-z0-9_\-.~/]*$/
const SLASH = 0x2f
/** The route patterns hono's metrics middleware reports for these requests. */
const ROUTE_ROOT = '/v1/data'
const ROUTE_PATH = '/v1/data/*'

export function createLeanDataRoute(deps: LeanDataRouteDeps): LeanRoute {
  return (req, res) => {
    if (req.method !== 'POST') return false
    const url = req.url
    if (url === undefined || !url.startsWith(DATA)) return false
    const queryAt = url.indexOf('?')
    const path = queryAt < 0 ? url : url.slice(0, queryAt)
    if (path.length > DATA.length && path.charCodeAt(DATA.length) !== SLASH) return false
    if (!PLAIN_PATH.test(path) || path.includes('/.') || req.headers.host === undefined) return false
    // "//" and a trailing slash are redirected as OPA's router does (middleware/opa-path-redirects.ts)
    if (path.includes('//') || path.endsWith('/')) return false
    answer(deps, req, res, path, queryAt < 0 ? undefined : url.slice(queryAt + 1)).catch((thrown) => {
      // Only writing the answer itself can get here; the client gets no answer rather than a wrong one.
      deps.log.error({ err: thrown }, 'could not write a decision answer')
      res.destroy()
    })
    return true
  }
}

/** OPA's boolean query parameters, as query-flags.ts reads them through hono. */
function flag(query: URLSearchParams | undefined, name: string): boolean {
  const value = query?.get(name)
  return value !== undefined && value !== null && value.toLowerCase() !== 'false'
}

async function answer(
  deps: LeanDataRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  queryText: string | undefined,
): Promise<void> {
  const startedNs = nowNs()
  let status = 200
  let entered = false
  try {
    deps.authenticate?.({
      authorization: req.headers.authorization,
      socket: req.socket as TLSSocket,
      method: 'POST',
      path,
    })
    deps.limit.enter()
    entered = true
    const query = queryText === undefined ? undefined : new URLSearchParams(queryText)
    refuseExplain(query?.get('explain') ?? undefined)
    const read = inputFromBody(await readRequestBytes(req, deps.config), req.headers['content-type'], deps)
    const socket = req.socket
    const text = await answerData(
      deps,
      {
        path: normalizePath(path.slice(DATA.length)),
        pretty: flag(query, 'pretty'),
        metrics: flag(query, 'metrics') || flag(query, 'instrument'),
        requestedBy: remoteAddr(socket.remoteAddress, socket.remotePort),
        startedNs,
        strictBuiltinErrors: flag(query, 'strict-builtin-errors'),
        provenance: flag(query, 'provenance'),
      },
      read,
    )
    send(res, 200, text, req.headers['accept-encoding'], deps.gzipMinLength)
  } catch (thrown) {
    const described = describeError(thrown, deps.log)
    status = described.status
    send(res, status, JSON.stringify(described.body), req.headers['accept-encoding'], deps.gzipMinLength)
  } finally {
    if (entered) deps.limit.leave()
    const route = path.length === DATA.length ? ROUTE_ROOT : ROUTE_PATH
    deps.metrics?.observeRequest('POST', route, status, (nowNs() - startedNs) / 1e9)
  }
}

function send(
  res: ServerResponse,
  status: number,
  text: string,
  acceptEncoding: string | undefined,
  gzipMinLength: number,
): void {
  const length = Buffer.byteLength(text)
  if (length >= gzipMinLength && acceptsGzip(acceptEncoding)) {
    const zipped = gzipSync(text)
    res.writeHead(status, [
      'content-type',
      'application/json',
      'content-encoding',
      'gzip',
      'content-length',
      String(zipped.byteLength),
      'vary',
      'Accept-Encoding',
    ])
    res.end(zipped)
    return
  }
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(length)])
  res.end(text)
}
