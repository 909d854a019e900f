// Load against one server on 127.0.0.1, two ways, both bounded in time:
// - closed loop (autocannon): a fixed number of keep-alive connections, each sending its next request as soon as
//   the previous answer arrives, measures the most decisions/s the server sustains;
// - open loop (bench/support/open-loop.ts, re-exported here): requests sent on a fixed schedule whatever the answers
//   do, measures latency at a given rate. Not autocannon's overallRate, which spends each second's budget in a burst
//   at the start of the second and so measures a saturated server for part of every second. Latency is taken from
//   the time a request was due, so a server that falls behind is charged for the wait (no coordinated omission).
import { createRequire } from 'node:module'
import { type LoadResult, type LoadTarget, latencyStats, Samples } from './load-result.js'

export type { LoadResult, LoadTarget } from './load-result.js'
export { runOpenLoop } from './open-loop.js'

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
  const stats = latencyStats(samples)
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
