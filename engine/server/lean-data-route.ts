// POST /v1/data[/{path}] read straight from the Node request, in front of hono: the hot path of a policy decision
// point. Profiling `clearance serve` on a trivial policy put most of the CPU of a request in the layers around the
// decision (a web Request and Headers built from the Node request, a Response and its conversion back, five
// middlewares); this route does only what those layers did for this one route, in the same order: authentication,
// the in-flight limit, the body's size/encoding/shape limits, the decision (data-answer.ts, shared with the hono
// route), gzip when accepted and large, the request metrics, and every error through describeError (one error→HTTP
// map, so every failure is an OPA error body and never an allow). Everything else — other methods, other paths, a
// path hono would normalize — falls through to hono unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
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

/** A data API POST as the lean route reads it: from Node's parser (below) or from fast-connections.ts. */
export interface LeanRequest {
  /** The request target: the path, then `?` and the query when there is one. */
  url: string
  authorization: string | undefined
  contentType: string | undefined
  acceptEncoding: string | undefined
  socket: Socket
  /** The client's "ip:port", for the decision log and the evaluation's fair share. */
  requestedBy: string | undefined
  /** The body's bytes, decompressed, within --max-body-bytes (request-body.ts); throws a ClearanceError otherwise. */
  body(): Promise<Uint8Array> | Uint8Array
}

/** Writes the whole answer: status, the headers as [name, value, …] and the body. */
export type LeanReply = (status: number, headers: string[], body: string | Uint8Array) => void

/** Answers one POST the lean route takes; the caller has checked it with leanDataPath. */
export type LeanAnswer = (
  request: LeanRequest,
  path: string,
  queryText: string | undefined,
  reply: LeanReply,
) => void

/**
 * The path of a POST the lean route answers, split from its query; undefined for one hono must see (a path hono
 * would normalize, or one OPA's router redirects). `hasHost`: the request carried a Host header.
 */
export function leanDataPath(
  url: string,
  hasHost: boolean,
): { path: string; query: string | undefined } | undefined {
  if (!url.startsWith(DATA)) return undefined
  const queryAt = url.indexOf('?')
  const path = queryAt < 0 ? url : url.slice(0, queryAt)
  if (path.length > DATA.length && path.charCodeAt(DATA.length) !== SLASH) return undefined
  if (!PLAIN_PATH.test(path) || path.includes('/.') || !hasHost) return undefined
  // "//" and a trailing slash are redirected as OPA's router does (middleware/opa-path-redirects.ts)
  if (path.includes('//') || path.endsWith('/')) return undefined
  return { path, query: queryAt < 0 ? undefined : url.slice(queryAt + 1) }
}

export function createLeanAnswer(deps: LeanDataRouteDeps): LeanAnswer {
  return (request, path, queryText, reply) => {
    answer(deps, request, path, queryText, reply).catch((thrown) => {
      // Only writing the answer itself can get here; the client gets no answer rather than a wrong one.
      deps.log.error({ err: thrown }, 'could not write a decision answer')
      request.socket.destroy()
    })
  }
}

export function createLeanDataRoute(deps: LeanDataRouteDeps): LeanRoute {
  const answerLean = createLeanAnswer(deps)
  return (req, res) => {
    if (req.method !== 'POST' || req.url === undefined) return false
    const target = leanDataPath(req.url, req.headers.host !== undefined)
    if (target === undefined) return false
    const socket = req.socket
    const request: LeanRequest = {
      url: req.url,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      acceptEncoding: req.headers['accept-encoding'],
      socket,
      requestedBy: remoteAddr(socket.remoteAddress, socket.remotePort),
      body: () => readRequestBytes(req, deps.config),
    }
    answerLean(request, target.path, target.query, (status, headers, body) => {
      res.writeHead(status, headers)
      res.end(body)
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
  request: LeanRequest,
  path: string,
  queryText: string | undefined,
  reply: LeanReply,
): Promise<void> {
  const startedNs = nowNs()
  let status = 200
  let entered = false
  try {
    deps.authenticate?.({
      authorization: request.authorization,
      socket: request.socket as TLSSocket,
      method: 'POST',
      path,
    })
    deps.limit.enter()
    entered = true
    const query = queryText === undefined ? undefined : new URLSearchParams(queryText)
    refuseExplain(query?.get('explain') ?? undefined)
    const read = inputFromBody(await request.body(), request.contentType, deps)
    const text = await answerData(
      deps,
      {
        path: normalizePath(path.slice(DATA.length)),
        pretty: flag(query, 'pretty'),
        metrics: flag(query, 'metrics') || flag(query, 'instrument'),
        requestedBy: request.requestedBy,
        startedNs,
        strictBuiltinErrors: flag(query, 'strict-builtin-errors'),
        provenance: flag(query, 'provenance'),
      },
      read,
    )
    send(reply, 200, text, request.acceptEncoding, deps.gzipMinLength)
  } catch (thrown) {
    const described = describeError(thrown, deps.log)
    status = described.status
    send(reply, status, JSON.stringify(described.body), request.acceptEncoding, deps.gzipMinLength)
  } finally {
    if (entered) deps.limit.leave()
    const route = path.length === DATA.length ? ROUTE_ROOT : ROUTE_PATH
    deps.metrics?.observeRequest('POST', route, status, (nowNs() - startedNs) / 1e9)
  }
}

function send(
  reply: LeanReply,
  status: number,
  text: string,
  acceptEncoding: string | undefined,
  gzipMinLength: number,
): void {
  const length = Buffer.byteLength(text)
  if (length >= gzipMinLength && acceptsGzip(acceptEncoding)) {
    const zipped = gzipSync(text)
    reply(
      status,
      [
        'content-type',
        'application/json',
        'content-encoding',
        'gzip',
        'content-length',
        String(zipped.byteLength),
        'vary',
        'Accept-Encoding',
      ],
      zipped,
    )
    return
  }
  reply(status, ['content-type', 'application/json', 'content-length', String(length)], text)
}
