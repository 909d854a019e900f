// One bounded GET of a bundle from a bundle server, over node:http(s): bearer-token or client-certificate
// credentials, an overall timeout, at most `maxBytes` of body (refused from Content-Length when it says so,
// otherwise cut off as soon as the stream passes the limit), and up to five redirects, dropping the
// Authorization header when a redirect leaves the origin.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { authorizationHeader, createAgents, type HttpCredentials } from './agents.js'

export interface FetchOptions {
  credentials?: HttpCredentials | undefined
  /** Whole request, headers and body (default 30 s). */
  timeoutMs?: number | undefined
  /** Largest body read (default 256 MiB, the bundle reader's compressed limit). */
  maxBytes?: number | undefined
}

export interface FetchResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The body; empty unless the status is 200. */
  body: Buffer
}

export interface BundleFetcher {
  get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<FetchResponse>
  close(): void
}

const MAX_REDIRECTS = 5

function fetchError(message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, message, cause === undefined ? undefined : { cause })
}

export function createBundleFetcher(options: FetchOptions = {}): BundleFetcher {
  const credentials = options.credentials ?? {}
  const timeoutMs = options.timeoutMs ?? DEFAULTS.bundleTimeoutMs
  const maxBytes = options.maxBytes ?? DEFAULTS.bundleLimits.maxCompressedBytes
  const agents = createAgents(credentials, 2)
  const authorization = authorizationHeader(credentials)

  const once = (url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<FetchResponse> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:'
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'GET',
        headers,
        agent: secure ? agents.https : agents.http,
        signal,
      })
      request.on('error', (thrown) => reject(fetchError(`request failed: ${describeThrown(thrown)}`, thrown)))
      request.on('response', (response) => {
        const status = response.statusCode ?? 0
        if (status !== 200) {
          response.resume()
          response.on('end', () => resolve({ status, headers: response.headers, body: Buffer.alloc(0) }))
          return
        }
        const declared = Number(response.headers['content-length'])
        if (Number.isFinite(declared) && declared > maxBytes) {
          request.destroy()
          reject(fetchError(`bundle download is ${declared} bytes, over the ${maxBytes}-byte limit`))
          return
        }
        const chunks: Buffer[] = []
        let total = 0
        response.on('data', (chunk: Buffer) => {
          total += chunk.byteLength
          if (total > maxBytes) {
            request.destroy()
            reject(fetchError(`bundle download passed the ${maxBytes}-byte limit`))
            return
          }
          chunks.push(chunk)
        })
        response.on('end', () => resolve({ status, headers: response.headers, body: Buffer.concat(chunks) }))
        response.on('error', (thrown) =>
          reject(fetchError(`download failed: ${describeThrown(thrown)}`, thrown)),
        )
      })
      request.end()
    })

  return {
    async get(target, extraHeaders, outer) {
      const controller = new AbortController()
      const timer = setTimeout(
        () => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
        timeoutMs,
      )
      timer.unref()
      const abort = (): void => controller.abort(outer?.reason)
      outer?.addEventListener('abort', abort, { once: true })
      try {
        let url = new URL(target)
        const origin = url.origin
        const headers: Record<string, string> = { ...extraHeaders }
        if (authorization !== undefined) headers.authorization = authorization
        for (let hop = 0; ; hop++) {
          const response = await once(url, headers, controller.signal)
          const location = response.headers.location
          if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) return response
          if (hop >= MAX_REDIRECTS) throw fetchError(`stopped after ${MAX_REDIRECTS} redirects`)
          url = new URL(location, url)
          if (url.origin !== origin) delete headers.authorization
        }
      } catch (thrown) {
        if (controller.signal.aborted && !(outer?.aborted ?? false)) {
          throw fetchError(`request failed: ${describeThrown(controller.signal.reason)}`, thrown)
        }
        throw thrown
      } finally {
        clearTimeout(timer)
        outer?.removeEventListener('abort', abort)
      }
    },
    close() {
      agents.destroy()
    },
  }
}
