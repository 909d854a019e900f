import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createCounterFamily, createHistogramFamily } from '../../../engine/metrics/series-family.js'

const BUCKETS = [0.001, 0.01, 0.1, 1]
const observations: Array<[string, string, number]> = [
  ['POST', '/v1/data/*', 0.0004],
  ['POST', '/v1/data/*', 0.02],
  ['GET', '/health', 0.001],
  ['POST', '/v1/data/*', 5],
  ['POST', '/v1/data', 0.1],
  ['GET', '/health', 0],
]

/** The same counter and histogram fed the same values, once by prom-client and once by series-family.ts. */
function feed(kind: 'prom-client' | 'family', defaultLabels?: Record<string, string>): Registry {
  const registry = new Registry()
  if (defaultLabels !== undefined) registry.setDefaultLabels(defaultLabels)
  const common = { labelNames: ['method', 'route'] as const, registers: [registry] }
  if (kind === 'prom-client') {
    const counter = new Counter({ name: 'requests_total', help: 'Requests.', ...common })
    const histogram = new Histogram({
      name: 'duration_seconds',
      help: 'Duration.',
      buckets: BUCKETS,
      ...common,
    })
    for (const [method, route, seconds] of observations) {
      counter.inc({ method, route })
      histogram.observe({ method, route }, seconds)
    }
  } else {
    const counter = createCounterFamily({ name: 'requests_total', help: 'Requests.', ...common })
    const histogram = createHistogramFamily({
      name: 'duration_seconds',
      help: 'Duration.',
      buckets: BUCKETS,
      ...common,
    })
    for (const [method, route, seconds] of observations) {
      counter.series(method, route).inc()
      histogram.series(method, route).observe(seconds)
    }
  }
  return registry
}

describe('series families', () => {
  it("write the exposition text prom-client's Counter and Histogram write", async () => {
    expect(await feed('family').metrics()).toBe(await feed('prom-client').metrics())
    expect(await feed('family', { instance_id: 'a' }).metrics()).toBe(
      await feed('prom-client', { instance_id: 'a' }).metrics(),
    )
  })

  it('give the JSON the cluster aggregator sums, and sum like prom-client under --workers', async () => {
    const family = await feed('family').getMetricsAsJSON()
    const prom = await feed('prom-client').getMetricsAsJSON()
    expect(JSON.parse(JSON.stringify(family))).toEqual(JSON.parse(JSON.stringify(prom)))
    const aggregated = (json: object[]) => AggregatorRegistry.aggregate([json, json] as never).metrics()
    expect(await aggregated(family)).toBe(await aggregated(prom))
  })

  it('keep one series per label values, and reset to zero', async () => {
    const registry = new Registry()
    const family = createCounterFamily({
      name: 'c_total',
      help: 'C.',
      labelNames: ['a'],
      registers: [registry],
    })
    const series = family.series('x')
    expect(family.series('x')).toBe(series)
    series.inc(2)
    registry.resetMetrics()
    series.inc()
    expect(await registry.metrics()).toContain('c_total{a="x"} 1')
  })

  it('refuse a wrong number of label values and a value that is not a number', () => {
    const registry = new Registry()
    const histogram = createHistogramFamily({
      name: 'h',
      help: 'H.',
      labelNames: ['a', 'b'],
      buckets: BUCKETS,
      registers: [registry],
    })
    expect(() => histogram.series('only-one')).toThrow(/expected 2 label values/)
    expect(() => histogram.series('x', 'y').observe(Number.NaN)).toThrow(TypeError)
  })
})
