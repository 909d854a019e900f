// One POST of a gzipped chunk of decision-log events, as OPA's logs plugin sends it: Content-Type application/json,
// Content-Encoding gzip, an optional bearer token or client certificate, over keep-alive node:http(s). Answers the
// status and Retry-After; network failures and timeouts resolve as status 0, so the uploader treats every
// failure alike and never sees a rejection.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Clock } from '../clock.js'
import { describeThrown } from '../errors.js'
import { authorizationHeader, createAgents, type HttpCredentials } from './agents.js'

export interface UploadResponse {
  /** HTTP status; 0 when no response came (connection refused, reset, timeout). */
  status: number
  retryAfter?: string | undefined
  error?: string | undefined
}

export interface UploadClient {
  post(body: Buffer): Promise<UploadResponse>
  close(): void
}

export interface UploadClientOptions {
  /** The full upload URL: service URL + resource. */
  url: string
  credentials?: HttpCredentials | undefined
  timeoutMs: number
  clock: Clock
}

export function createUploadClient(options: UploadClientOptions): UploadClient {
  const url = new URL(options.url)
  const secure = url.protocol === 'https:'
  const credentials = options.credentials ?? {}
  const agents = createAgents(credentials, 1)
  const agent = secure ? agents.https : agents.http
  const authorization = authorizationHeader(credentials)

  return {
    post(body) {
      return new Promise<UploadResponse>((resolve) => {
        const controller = new AbortController()
        let settled = false
        const settle = (response: UploadResponse): void => {
          if (settled) return
          settled = true
          options.clock.clearTimeout(timer)
          resolve(response)
        }
        const timer = options.clock.setTimeout(() => {
          controller.abort()
          settle({ status: 0, error: `no answer within ${options.timeoutMs} ms` })
        }, options.timeoutMs)
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(body.length),
        }
        if (authorization !== undefined) headers.authorization = authorization
        const request = (secure ? httpsRequest : httpRequest)(url, {
          method: 'POST',
          headers,
          agent,
          signal: controller.signal,
        })
        request.on('error', (error) => settle({ status: 0, error: describeThrown(error) }))
        request.on('response', (response) => {
          // The body is not needed, but must be read for the connection to be reused.
          response.resume()
          response.on('end', () => {
            const retryAfter = response.headers['retry-after']
            settle({ status: response.statusCode ?? 0, retryAfter })
          })
          response.on('error', (error) => settle({ status: 0, error: describeThrown(error) }))
        })
        request.end(body)
      })
    },
    close() {
      agents.destroy()
    },
  }
}
