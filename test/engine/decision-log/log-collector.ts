// A decision-log service on 127.0.0.1 for tests: a real node:http server that gunzips every POST body and keeps
// the raw bytes and the parsed events. It can answer with a chosen status (to play an outage or a 429) and can be
// closed and reopened on the same port.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export interface ReceivedUpload {
  path: string
  headers: IncomingMessage['headers']
  /** Gzipped size as received. */
  compressedBytes: number
  /** The body after gunzip. */
  body: Buffer
}

export interface LogCollector {
  url: string
  uploads: ReceivedUpload[]
  events: Array<Record<string, unknown>>
  /** Next answers: a status (and headers) per request, 0 for never answering; empty means 200. */
  respondWith(answers: Array<{ status: number; headers?: Record<string, string> }>): void
  /** Stops listening (connections refused) until reopen(). */
  down(): Promise<void>
  reopen(): Promise<void>
  close(): Promise<void>
}

export async function startLogCollector(): Promise<LogCollector> {
  const uploads: ReceivedUpload[] = []
  const events: Array<Record<string, unknown>> = []
  let answers: Array<{ status: number; headers?: Record<string, string> }> = []
  let port = 0
  let server: Server

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((request, response) => {
        const chunks: Buffer[] = []
        request.on('data', (chunk: Buffer) => chunks.push(chunk))
        request.on('end', () => {
          const answer = answers.shift()
          if (answer?.status === 0) return
          if (answer !== undefined && answer.status !== 200) {
            response.writeHead(answer.status, answer.headers).end()
            return
          }
          const compressed = Buffer.concat(chunks)
          const body = gunzipSync(compressed)
          uploads.push({
            path: request.url ?? '',
            headers: request.headers,
            compressedBytes: compressed.length,
            body,
          })
          events.push(...(JSON.parse(body.toString('utf8')) as Array<Record<string, unknown>>))
          response.writeHead(200).end()
        })
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port
        resolve()
      })
    })

  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })

  await listen()
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    events,
    respondWith(next) {
      answers = [...next]
    },
    down: stop,
    reopen: listen,
    close: stop,
  }
}

/** Waits until `check` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
