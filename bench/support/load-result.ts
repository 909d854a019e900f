// What a load run against one server reports, and the latency samples it keeps to compute it: shared by the
// closed loop (bench/support/load.ts) and the open loop (bench/support/open-loop.ts) so both count alike.

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
  /** Open loop only: CPU the load generator used (user + system), in % of one core. */
  clientCpuPct?: number
  /** Open loop only: p99 of how late requests were written after they fell due (pacing error plus queueing). */
  sendLagP99Ms?: number
}

/** A growable array of latencies in ms, allocated once per run. */
export class Samples {
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

/** Nearest-rank p50 and p99 and the mean of the samples (sorts them in place). */
export function latencyStats(samples: Samples): { p50: number; p99: number; mean: number } {
  const count = samples.count
  if (count === 0) return { p50: Number.NaN, p99: Number.NaN, mean: Number.NaN }
  const sorted = samples.values.subarray(0, count).sort()
  let total = 0
  for (let i = 0; i < count; i++) total += sorted[i]!
  const at = (p: number): number =>
    sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]!
  return { p50: at(50), p99: at(99), mean: total / count }
}
