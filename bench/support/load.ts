// Load against one server on 127.0.0.1, two ways, both bounded in time:
// - closed loop (autocannon): a fixed number of keep-alive connections, each sending its next request as soon as
//   the previous answer arrives, measures the most decisions/s the server sustains;
// - open loop: requests sent on a fixed schedule whatever the answers do, measures latency at a given rate. Not
//   autocannon's overallRate, which spends each second's budget in a burst at the start of the second and so
//   measures a saturated server for part of every second. Latency is taken from the time a request was due, so a
//   server that falls behind is charged for the wait (no coordinated omission).
import { Agent, request } from 'node:http'
import { createRequire } from 'node:module'

export interface LoadTarget {
  url: string
  /** Request path, e.g. /v1/data/clearance/authz/decision. */
  path: string
  /** Request bodies, sent in turn. */
  bodies: readonly string[]
}

export interface LoadResult {
  /** 2xx answers. */
  ok: number
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number
  seconds: number
  /** 2xx answers per second. */
  rps: number
  p50Ms: number
  p99Ms: number
  meanMs: number
}

interface AutocannonResult {
  duration: number
  errors: number
  timeouts: number
  non2xx: number
}

interface AutocannonInstance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
  ): void
}

type Autocannon = ((options: Record<string, unknown>) => Promise<AutocannonResult> & AutocannonInstance) & {
  track?: unknown
}

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

function latencyStats(samples: Float64Array, count: number): { p50: number; p99: number; mean: number } {
  const sorted = samples.subarray(0, count).sort()
  let total = 0
  for (let i = 0; i < count; i++) total += sorted[i]!
  const at = (p: number): number =>
    sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]!
  return count === 0
    ? { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN }
    : { p50: at(50), p99: at(99), mean: total / count }
}

class Samples {
  values = new Float64Array(1 << 16)
  count = 0
  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.count++] = value
  }
}

/** Closed loop with autocannon: `connections` keep-alive connections for `seconds`. */
export async function runClosedLoop(
  target: LoadTarget,
  options: { connections: number; seconds: number },
): Promise<LoadResult> {
  const samples = new Samples()
  let ok = 0
  const instance = autocannon({
    url: target.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    requests: target.bodies.map((body) => ({
      method: 'POST',
      path: target.path,
      headers: { 'content-type': 'application/json' },
      body,
    })),
  })
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++
      samples.push(responseTimeMs)
    }
  })
  const result = await instance
  const stats = latencyStats(samples.values, samples.count)
  return {
    ok,
    failed: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
    rps: ok / result.duration,
    p50Ms: stats.p50,
    p99Ms: stats.p99,
    meanMs: stats.mean,
  }
}

/**
 * Open loop: `rate` requests per second, evenly spaced, for `seconds`, over at most `maxSockets` keep-alive
 * connections (a request due while all are busy waits for one, and that wait counts in its latency).
 */
export async function runOpenLoop(
  target: LoadTarget,
  options: { rate: number; seconds: number; maxSockets?: number },
): Promise<LoadResult> {
  const url = new URL(target.url)
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
  const bodies = target.bodies.map((body) => Buffer.from(body))
  const samples = new Samples()
  const intervalNs = 1e9 / options.rate
  const total = Math.max(1, Math.round(options.rate * options.seconds))
  let ok = 0
  let failed = 0
  let sent = 0
  let settled = 0
  const start = process.hrtime.bigint()
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      settled++
      if (settled === total) resolve()
    }
    const fire = (dueNs: bigint, body: Buffer): void => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: target.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.byteLength },
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            const status = res.statusCode ?? 0
            if (status >= 200 && status < 300) {
              ok++
              samples.push(Number(process.hrtime.bigint() - dueNs) / 1e6)
            } else {
              failed++
            }
            finish()
          })
        },
      )
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
      req.on('error', () => {
        failed++
        finish()
      })
      req.end(body)
    }
    // A 1 ms tick sends everything that has fallen due; each request's latency counts from its due time.
    const tick = (): void => {
      const elapsed = Number(process.hrtime.bigint() - start)
      while (sent < total && sent * intervalNs <= elapsed) {
        fire(start + BigInt(Math.round(sent * intervalNs)), bodies[sent % bodies.length]!)
        sent++
      }
      if (sent < total) setTimeout(tick, 1)
    }
    tick()
  })
  await done
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  agent.destroy()
  const stats = latencyStats(samples.values, samples.count)
  return { ok, failed, seconds, rps: ok / seconds, p50Ms: stats.p50, p99Ms: stats.p99, meanMs: stats.mean }
}
