// One JSON POST to the PDP within a time budget, retried only where that is safe. Decisions are reads, so a
// request that never got an answer (connection refused or reset before any response) or that a proxy answered
// 502/503/504 is sent again, after a jittered exponential backoff, while the budget lasts. Nothing else is
// retried: a 4xx or a 500 would be answered the same way again, and a timeout has spent the budget. Every outcome
// is a value (a reply, or a DecisionError), never a rejection.
import { setTimeout as sleep } from 'node:timers/promises'
import type { DecisionError } from './decision.js'

export interface TransportOptions {
  /** Base URL of the PDP, e.g. http://127.0.0.1:8181. */
  url: string
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string | undefined
  /** Budget of one call, all attempts and backoff included. */
  timeoutMs: number
  /** Extra attempts after the first (0 turns retrying off). */
  retries: number
  /** Backoff before retry n is up to min(maxMs, baseMs·2ⁿ), jittered down to half of that. */
  backoff: { baseMs: number; maxMs: number }
  headers?: Readonly<Record<string, string>> | undefined
  fetch: typeof fetch
  random: () => number
}

export type Exchange =
  /** The PDP answered. `json` is undefined when the body was not JSON. */
  { ok: true; status: number; json: unknown; text: string } | { ok: false; error: DecisionError }

export interface PdpTransport {
  /** POSTs `body` (JSON text) to `path` (e.g. /v1/check) under the base URL. */
  post(path: string, body: string, timeoutMs?: number): Promise<Exchange>
}

const RETRYABLE_STATUS = new Set([502, 503, 504])

function causeCode(thrown: unknown): string {
  const cause = (thrown as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return thrown instanceof Error ? thrown.message : String(thrown)
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export function createPdpTransport(options: TransportOptions): PdpTransport {
  const base = options.url.replace(/\/+$/, '')
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    accept: 'application/json',
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`

  const timedOut = (timeoutMs: number): DecisionError => ({
    code: 'pdp_timeout',
    message: `the PDP at ${base} did not answer within ${timeoutMs} ms`,
  })

  return {
    async post(path, body, timeoutMs = options.timeoutMs) {
      // One deadline for the whole call. A controller and a cleared timer, not AbortSignal.timeout: on Node 20 that
      // costs tens of µs per call, and its timer outlives the call.
      const deadline = performance.now() + timeoutMs
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), timeoutMs)
      timer.unref()
      try {
        return await attempts(`${base}${path}`, body, timeoutMs, deadline, controller.signal)
      } finally {
        clearTimeout(timer)
      }
    },
  }

  async function attempts(
    target: string,
    body: string,
    timeoutMs: number,
    deadline: number,
    signal: AbortSignal,
  ): Promise<Exchange> {
    let last: Exchange | undefined
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        const delay =
          Math.min(options.backoff.maxMs, options.backoff.baseMs * 2 ** (attempt - 1)) *
          (0.5 + options.random() / 2)
        // No retry that could not finish in the budget: answer with what the last attempt gave.
        if (performance.now() + delay >= deadline) return last!
        try {
          await sleep(delay, undefined, { signal })
        } catch {
          return last!
        }
      }
      let response: Response
      try {
        response = await options.fetch(target, { method: 'POST', headers, body, signal })
      } catch (thrown) {
        if (signal.aborted) return { ok: false, error: timedOut(timeoutMs) }
        last = {
          ok: false,
          error: {
            code: 'pdp_unavailable',
            message: `cannot reach the PDP at ${base}: ${causeCode(thrown)}`,
          },
        }
        if (attempt < options.retries) continue
        return last
      }
      let text: string
      try {
        text = await response.text()
      } catch (thrown) {
        if (signal.aborted) return { ok: false, error: timedOut(timeoutMs) }
        return {
          ok: false,
          error: {
            code: 'pdp_unavailable',
            status: response.status,
            message: `the PDP at ${base} broke off its answer: ${causeCode(thrown)}`,
          },
        }
      }
      last = { ok: true, status: response.status, json: parseBody(text), text }
      if (RETRYABLE_STATUS.has(response.status) && attempt < options.retries) continue
      return last
    }
  }
}
