// The decision cache's series: hits and misses (counters), entries and bytes (gauges), read from the cache's own
// counts at every scrape so a cached decision pays nothing for its metrics.
import { Counter, Gauge, type Registry } from 'prom-client'

export interface DecisionCacheCounts {
  hits: number
  misses: number
  entries: number
  bytes: number
}

export function decisionCacheMetrics(
  prefix: string,
  registers: Registry[],
  read: () => DecisionCacheCounts | undefined,
): void {
  // A counter cannot be set; at each scrape it is brought to the cache's running total, which only grows.
  new Counter({
    name: `${prefix}decision_cache_hits_total`,
    help: 'Decisions answered from the decision cache.',
    registers,
    collect() {
      this.reset()
      this.inc(read()?.hits ?? 0)
    },
  })
  new Counter({
    name: `${prefix}decision_cache_misses_total`,
    help: 'Decisions of a cacheable policy that were evaluated because the cache had no answer for the input.',
    registers,
    collect() {
      this.reset()
      this.inc(read()?.misses ?? 0)
    },
  })
  new Gauge({
    name: `${prefix}decision_cache_entries`,
    help: 'Answers held by the decision cache.',
    registers,
    collect() {
      this.set(read()?.entries ?? 0)
    },
  })
  new Gauge({
    name: `${prefix}decision_cache_bytes`,
    help: 'Approximate bytes of inputs and answers held by the decision cache.',
    registers,
    collect() {
      this.set(read()?.bytes ?? 0)
    },
  })
}
