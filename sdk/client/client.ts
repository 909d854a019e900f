// The HTTP client services use to ask Clearance: check(input) on POST /v1/check, evaluate(path, input) on OPA's
// Data API and evaluateBatch(path, inputs) on the batch API. Connections are kept alive (Node's fetch pools them),
// every call has a time budget, and every failure (timeout, unreachable, 5xx, garbage) is answered with a deny
// carrying the reason, unless the caller asks for throwing. An optional cache reuses decisions until the bundles'
// revisions change, and forgets them once the PDP is found down. Knows nothing of the engine.
import { canonicalJson } from './canonical-json.js'
import {
  type CheckDecision,
  type DataDecision,
  type DecisionError,
  type DecisionOptions,
  deniedCheck,
  failedData,
  failWith,
} from './decision.js'
import { createDecisionCache, type DecisionCache, type DecisionCacheOptions } from './decision-cache.js'
import {
  badResponse,
  errorOfReply,
  type Outcome,
  parseBatchReply,
  parseCheckReply,
  parseDataReply,
} from './pdp-replies.js'
import { createPdpTransport, type Exchange } from './pdp-transport.js'

export interface ClientOptions {
  /** Base URL of Clearance (or OPA), e.g. http://127.0.0.1:8181. */
  url: string
  /** Bearer token for the PDP's API. */
  token?: string | undefined
  /** Budget of one call, retries included (default 1,000 ms). */
  timeoutMs?: number | undefined
  /** Extra attempts after a network failure or a 502/503/504 (default 2). */
  retries?: number | undefined
  /** Backoff before the n-th retry: up to min(maxMs, baseMs·2ⁿ⁻¹), jittered (default 25 and 250 ms). */
  backoff?: { baseMs?: number | undefined; maxMs?: number | undefined } | undefined
  /**
   * Cache decisions (default off); true takes the default bounds. A cached decision is reused for up to `ttlMs`
   * while the PDP has not been found down; once a call finds it unreachable or timing out, the cache is dropped
   * (unless `staleWhileUnavailable`).
   */
  cache?: boolean | DecisionCacheOptions | undefined
  /** Throw PdpError instead of answering failures with a deny (default false). */
  throwOnError?: boolean | undefined
  /** Extra request headers. */
  headers?: Readonly<Record<string, string>> | undefined
  /** A fetch to use instead of the global one, e.g. undici's with a tuned Agent as `dispatcher`. */
  fetch?: typeof fetch | undefined
  /** Jitter source (tests). */
  random?: (() => number) | undefined
}

export interface CallOptions extends DecisionOptions {
  /** This call's budget instead of the client's. */
  timeoutMs?: number | undefined
}

export interface Client {
  /** POST /v1/check: the decision entrypoint's {allow, reasons, obligations} for `input`. */
  check(input: unknown, options?: CallOptions): Promise<CheckDecision>
  /** POST /v1/data/{path}: the document at `path` for `input` (omit for none). */
  evaluate<T = unknown>(path: string, input?: unknown, options?: CallOptions): Promise<DataDecision<T>>
  /** POST /v1/batch/data/{path}: one decision per input, each failing on its own. */
  evaluateBatch<T = unknown>(
    path: string,
    inputs: readonly unknown[],
    options?: CallOptions,
  ): Promise<Array<DataDecision<T>>>
  evaluateBatch<T = unknown>(
    path: string,
    inputs: Readonly<Record<string, unknown>>,
    options?: CallOptions,
  ): Promise<Record<string, DataDecision<T>>>
  /** Forgets every cached decision. */
  clearCache(): void
}

const BATCH_STATUS = new Set([200, 207, 500])

function positive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${field} must be a positive number, not ${value}`)
  return value
}

/** "a/b/c" or "a.b.c" or "/a/b/" → "/a/b/c" with each segment URL-encoded. */
function dataPath(path: string): string {
  const segments = path.split(/[/.]/).filter((segment) => segment !== '')
  return segments.map((segment) => `/${encodeURIComponent(segment)}`).join('')
}

/** JSON text of a request body; integers past 2^53 given as bigint are written exactly. */
function jsonText(value: unknown): Outcome<string> {
  try {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (thrown) {
      if (!(thrown instanceof TypeError) || !/BigInt/i.test(thrown.message)) throw thrown
      text = canonicalJson(value)
    }
    if (text !== undefined) return { ok: true, value: text }
    return { ok: false, error: { code: 'pdp_error', message: 'the input is not a JSON value' } }
  } catch (thrown) {
    return {
      ok: false,
      error: { code: 'pdp_error', message: `the input is not JSON: ${(thrown as Error).message}` },
    }
  }
}

export function createClient(options: ClientOptions): Client {
  let parsed: URL
  try {
    parsed = new URL(options.url)
  } catch {
    throw new TypeError(`url "${options.url}" is not a URL`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`url "${options.url}" must be http: or https:`)
  }
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = positive('timeoutMs', options.timeoutMs ?? 1_000)
  const retries = options.retries ?? 2
  if (!Number.isSafeInteger(retries) || retries < 0)
    throw new RangeError(`retries must be ≥ 0, not ${retries}`)
  const transport = createPdpTransport({
    url: base,
    token: options.token,
    timeoutMs,
    retries,
    backoff: { baseMs: options.backoff?.baseMs ?? 25, maxMs: options.backoff?.maxMs ?? 250 },
    headers: options.headers,
    fetch: options.fetch ?? globalThis.fetch,
    random: options.random ?? Math.random,
  })
  const cache: DecisionCache<CheckDecision | DataDecision> | undefined =
    options.cache === undefined || options.cache === false
      ? undefined
      : createDecisionCache(options.cache === true ? {} : options.cache)
  const keepWhileDown = typeof options.cache === 'object' && options.cache.staleWhileUnavailable === true
  /** A failure that shows the PDP down ends every cached allow, unless the caller chose availability. */
  const noteFailure = (error: DecisionError): void => {
    if (
      cache !== undefined &&
      !keepWhileDown &&
      (error.code === 'pdp_unavailable' || error.code === 'pdp_timeout')
    )
      cache.clear()
  }
  const callOptions = (call: CallOptions | undefined): DecisionOptions =>
    call?.throwOnError === undefined ? { throwOnError: options.throwOnError } : call

  /** The reply as a value of the expected shape, or the DecisionError it amounts to. */
  const read = <R>(exchange: Exchange, parse: (json: unknown) => R | undefined): Outcome<R> => {
    if (!exchange.ok) return exchange
    if (exchange.status !== 200)
      return { ok: false, error: errorOfReply(base, exchange.status, exchange.json) }
    if (exchange.json === undefined) {
      return { ok: false, error: badResponse(base, 'with a body that is not JSON', exchange.status) }
    }
    const value = parse(exchange.json)
    if (value === undefined) {
      return { ok: false, error: badResponse(base, 'with a body of the wrong shape', exchange.status) }
    }
    return { ok: true, value }
  }

  const post = async <R>(
    route: string,
    payload: unknown,
    call: CallOptions | undefined,
    parse: (json: unknown) => R | undefined,
  ): Promise<Outcome<R>> => {
    const body = jsonText(payload)
    if (!body.ok) return body
    return read(await transport.post(route, body.value, call?.timeoutMs), parse)
  }

  async function check(input: unknown, call?: CallOptions): Promise<CheckDecision> {
    const key = cache?.key('/v1/check', input)
    if (key !== undefined) {
      const hit = cache!.get(key) as CheckDecision | undefined
      if (hit !== undefined) return { ...hit, cached: true }
    }
    const answer = await post('/v1/check', input, call, parseCheckReply)
    if (!answer.ok) {
      noteFailure(answer.error)
      return failWith(answer.error, callOptions(call), deniedCheck)
    }
    if (key !== undefined) cache!.set(key, answer.value, answer.value.revisions)
    return answer.value
  }

  async function evaluate<T>(path: string, input?: unknown, call?: CallOptions): Promise<DataDecision<T>> {
    const route = `/v1/data${dataPath(path)}`
    const key = cache?.key(route, input)
    if (key !== undefined) {
      const hit = cache!.get(key) as DataDecision<T> | undefined
      if (hit !== undefined) return { ...hit, cached: true }
    }
    const answer = await post(route, input === undefined ? {} : { input }, call, (json) =>
      parseDataReply<T>(json),
    )
    if (!answer.ok) {
      noteFailure(answer.error)
      return failWith(answer.error, callOptions(call), failedData<T>)
    }
    if (key !== undefined) cache!.set(key, answer.value, answer.value.revisions)
    return answer.value
  }

  async function evaluateBatch<T>(
    path: string,
    inputs: readonly unknown[] | Readonly<Record<string, unknown>>,
    call?: CallOptions,
  ): Promise<Array<DataDecision<T>> | Record<string, DataDecision<T>>> {
    const list = Array.isArray(inputs)
    const byId: Record<string, unknown> = { ...inputs }
    const ids = Object.keys(byId)
    if (ids.length === 0) return list ? [] : {}
    const body = jsonText({ inputs: byId })
    const exchange: Exchange = body.ok
      ? await transport.post(`/v1/batch/data${dataPath(path)}`, body.value, call?.timeoutMs)
      : body
    // 207 (some failed) and 500 (all failed) still carry an answer per input.
    const items =
      exchange.ok && BATCH_STATUS.has(exchange.status)
        ? parseBatchReply<T>(base, exchange.status, exchange.json, ids)
        : undefined
    const whole = items === undefined ? read(exchange, () => undefined) : undefined
    if (whole !== undefined && !whole.ok) noteFailure(whole.error)
    const decisionOptions = callOptions(call)
    const decisions: Record<string, DataDecision<T>> = {}
    for (const id of ids) {
      const item: Outcome<DataDecision<T>> =
        items?.[id] ??
        (whole !== undefined && !whole.ok
          ? whole
          : { ok: false, error: badResponse(base, 'a batch of the wrong shape') })
      if (item.ok) cache?.observe(item.value.revisions)
      decisions[id] = item.ok ? item.value : failWith(item.error, decisionOptions, failedData<T>)
    }
    return list ? ids.map((id) => decisions[id]!) : decisions
  }

  return {
    check,
    evaluate,
    evaluateBatch: evaluateBatch as Client['evaluateBatch'],
    clearCache: () => cache?.clear(),
  }
}
