// Metric families for the per-request path. prom-client's Counter and Histogram look a series up by hashing its
// label object on every inc/observe (validate the names, build a key string, find the entry) — profiling put that
// at ~6 % of a served decision's CPU. Here a series is looked up once per distinct label values and updated with
// plain arithmetic afterwards; the registry reads the families at scrape time through the same get() shapes
// prom-client's own Counter and Histogram give (the exposition text, the JSON the cluster aggregator sums), so
// nothing downstream can tell them apart (test/engine/metrics/series-family.test.ts compares them).
import type { Registry } from 'prom-client'

type Labels = Record<string, string>

interface FamilyOptions {
  name: string
  help: string
  labelNames: readonly string[]
  registers: readonly Registry[]
}

export interface CounterSeries {
  inc(amount?: number): void
}

export interface HistogramSeries {
  observe(value: number): void
}

export interface CounterFamily {
  /** The series of these label values (in labelNames order); keep it for the updates that follow. */
  series(...values: string[]): CounterSeries
}

export interface HistogramFamily {
  series(...values: string[]): HistogramSeries
}

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  if (values.length !== names.length) {
    throw new Error(`expected ${names.length} label values (${names.join(', ')}), got ${values.length}`)
  }
  const labels: Labels = {}
  for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!
  return labels
}

/** Finds or makes the series of `values`; keyed on the values joined by a byte no label value holds. */
function seriesCache<S>(make: (values: string[]) => S): (values: string[]) => S {
  const byKey = new Map<string, S>()
  return (values) => {
    const key = values.length === 1 ? values[0]! : values.join('\u0000')
    let found = byKey.get(key)
    if (found === undefined) {
      found = make(values)
      byKey.set(key, found)
    }
    return found
  }
}

class CounterEntry implements CounterSeries {
  value = 0
  constructor(readonly labels: Labels) {}
  inc(amount = 1): void {
    this.value += amount
  }
}

export function createCounterFamily(options: FamilyOptions): CounterFamily {
  const entries: CounterEntry[] = []
  const find = seriesCache((values) => {
    const entry = new CounterEntry(labelsOf(options.labelNames, values))
    entries.push(entry)
    return entry
  })
  register(options, {
    type: 'counter',
    async get() {
      return {
        name: options.name,
        help: options.help,
        type: 'counter',
        values: entries.map((entry) => ({ value: entry.value, labels: { ...entry.labels } })),
        aggregator: 'sum',
      }
    },
    reset() {
      for (const entry of entries) entry.value = 0
    },
  })
  return { series: (...values) => find(values) }
}

class HistogramEntry implements HistogramSeries {
  readonly counts: Float64Array
  sum = 0
  count = 0
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length)
  }
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++
        break
      }
    }
    this.sum += value
    this.count++
  }
}

export function createHistogramFamily(
  options: FamilyOptions & { buckets: readonly number[] },
): HistogramFamily {
  const bounds = [...options.buckets].sort((a, b) => a - b)
  const entries: HistogramEntry[] = []
  const find = seriesCache((values) => {
    const entry = new HistogramEntry(labelsOf(options.labelNames, values), bounds)
    entries.push(entry)
    return entry
  })
  // prom-client's shape: per series its cumulative buckets (le first, then the series' labels), +Inf, sum, count
  const forPromString = () =>
    entries.flatMap((entry) => {
      let cumulative = 0
      const values: Array<{
        labels: Labels | { le: number | string }
        sharedLabels: Labels
        value: number
        metricName: string
        /** prom-client's: null on buckets (no exemplar recorded), absent on sum and count */
        exemplar?: null
      }> = bounds.map((bound, i) => {
        cumulative += entry.counts[i]!
        return {
          labels: { le: bound },
          sharedLabels: entry.labels,
          value: cumulative,
          metricName: `${options.name}_bucket`,
          exemplar: null,
        }
      })
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: entry.labels,
          value: entry.count,
          metricName: `${options.name}_bucket`,
          exemplar: null,
        },
        { labels: {}, sharedLabels: entry.labels, value: entry.sum, metricName: `${options.name}_sum` },
        { labels: {}, sharedLabels: entry.labels, value: entry.count, metricName: `${options.name}_count` },
      )
      return values
    })
  const metric = {
    type: 'histogram',
    async getForPromString() {
      return {
        name: options.name,
        help: options.help,
        type: 'histogram',
        values: forPromString(),
        aggregator: 'sum',
      }
    },
    async get() {
      const values = forPromString().map(({ labels, sharedLabels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      }))
      return { name: options.name, help: options.help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset() {
      for (const entry of entries) {
        entry.counts.fill(0)
        entry.sum = 0
        entry.count = 0
      }
    },
  }
  register(options, metric)
  return { series: (...values) => find(values) }
}

function register(
  options: FamilyOptions,
  metric: { type: string; get(): Promise<object>; reset(): void },
): void {
  const named = { name: options.name, help: options.help, ...metric }
  // prom-client's registry takes any object with a name and get(); its type declarations want a Metric
  for (const registry of options.registers) registry.registerMetric(named as never)
}
