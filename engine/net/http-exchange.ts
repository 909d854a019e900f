// One request/response over node:http(s) for clients that need more than a GET of a bundle (the OCI registry
// client: HEAD, POST, PUT with a body, 401 challenges): any method, the keep-alive agents of agents.ts, an
// overall timeout, at most `maxBytes` of response body whatever the status, and GET/HEAD redirects followed up to
// five hops, dropping the Authorization header when a hop leaves the origin.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import type { Agents } from './agents.js'

export interface ExchangeRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT'
  url: string
  headers?: Record<string, string> | undefined
  body?: Uint8Array | undefined
  /** Largest response body read; a longer one fails the exchange. */
  maxBytes: number
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** Says what is being read, for error messages ("manifest", "layer"). */
  what?: string | undefined
}

export interface ExchangeResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  /** The URL that answered, after redirects. */
  url: string
}

const MAX_REDIRECTS = 5
const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** The socket-level failure when TLS is spoken to a plain-HTTP server (the registry fallback looks for it). */
export function isTlsToPlainHttp(thrown: unknown): boolean {
  const cause = thrown instanceof Error && thrown.cause !== undefined ? thrown.cause : thrown
  const code = (cause as { code?: unknown } | undefined)?.code
  const message = describeThrown(cause)
  return code === 'EPROTO' || /wrong version number|packet length too long/i.test(message)
}

function exchangeError(message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, message, cause === undefined ? undefined : { cause })
}

function once(
  agents: Agents,
  url: URL,
  request: ExchangeRequest,
  signal: AbortSignal,
): Promise<ExchangeResponse> {
  const what = request.what ?? 'response'
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:'
    const headers: Record<string, string> = { ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(request.body.byteLength)
    const outgoing = (secure ? httpsRequest : httpRequest)(url, {
      method: request.method,
      headers,
      agent: secure ? agents.https : agents.http,
      signal,
    })
    outgoing.on('error', (thrown) =>
      reject(exchangeError(`request failed: ${describeThrown(thrown)}`, thrown)),
    )
    outgoing.on('response', (response) => {
      const status = response.statusCode ?? 0
      const declared = Number(response.headers['content-length'])
      if (request.method !== 'HEAD' && Number.isFinite(declared) && declared > request.maxBytes) {
        outgoing.destroy()
        reject(exchangeError(`${what} is ${declared} bytes, over the ${request.maxBytes}-byte limit`))
        return
      }
      const chunks: Buffer[] = []
      let total = 0
      response.on('data', (chunk: Buffer) => {
        total += chunk.byteLength
        if (total > request.maxBytes) {
          outgoing.destroy()
          reject(exchangeError(`${what} passed the ${request.maxBytes}-byte limit`))
          return
        }
        chunks.push(chunk)
      })
      response.on('end', () =>
        resolve({ status, headers: response.headers, body: Buffer.concat(chunks), url: url.href }),
      )
      response.on('error', (thrown) =>
        reject(exchangeError(`${what} failed: ${describeThrown(thrown)}`, thrown)),
      )
    })
    outgoing.end(request.body === undefined ? undefined : Buffer.from(request.body))
  })
}

/** Sends `request`; resolves with any status (the caller decides), rejects on network failure or timeout. */
export async function exchange(agents: Agents, request: ExchangeRequest): Promise<ExchangeResponse> {
  const controller = new AbortController()
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${request.timeoutMs} ms`)),
    request.timeoutMs,
  )
  timer.unref()
  const outer = request.signal
  const abort = (): void => controller.abort(outer?.reason)
  outer?.addEventListener('abort', abort, { once: true })
  try {
    let url = new URL(request.url)
    const origin = url.origin
    const headers: Record<string, string> = { ...request.headers }
    const follows = request.method === 'GET' || request.method === 'HEAD'
    for (let hop = 0; ; hop++) {
      const response = await once(agents, url, { ...request, headers }, controller.signal)
      const location = response.headers.location
      if (!follows || !REDIRECTS.has(response.status) || location === undefined) return response
      if (hop >= MAX_REDIRECTS) throw exchangeError(`stopped after ${MAX_REDIRECTS} redirects`)
      url = new URL(location, url)
      if (url.origin !== origin) delete headers.authorization
    }
  } catch (thrown) {
    if (controller.signal.aborted && !(outer?.aborted ?? false)) {
      throw exchangeError(`request failed: ${describeThrown(controller.signal.reason)}`, thrown)
    }
    throw thrown
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', abort)
  }
}
