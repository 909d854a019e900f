// OPA's bundle families (v1/plugins/status/metrics.go), beside clearance_bundle_*, so an OPA Grafana dashboard
// charts Clearance's bundles unchanged: bundle_loaded_counter{name}, bundle_failed_load_counter{name,code,message},
// the last_* gauges in Unix nanoseconds (last_success_bundle_activation also labelled with active_revision), and
// bundle_loading_duration_ns{name,stage} with OPA's buckets. The gauges and the histogram are read from the
// bundle status (the one /v1/status serves) at every scrape, as OPA fills them from its status updates; a stage
// is observed once per activation the scrape has not seen (activations between two scrapes count once).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The fields of one bundle's status (OPA's shape) these metrics read. */
export interface BundleStatusFields {
  active_revision?: string
  last_successful_activation: string
  last_successful_download: string
  last_successful_request: string
  last_request: string
  metrics?: Record<string, number>
}

/** prometheus.ExponentialBuckets(1000, 2, 20), OPA's default for bundle_loading_duration_ns. */
const LOADING_BUCKETS = Array.from({ length: 20 }, (_, i) => 1000 * 2 ** i)

/** The stages OPA charts; Clearance reports the request and load stages (it parses and compiles no Rego). */
const STAGES = new Set([
  'timer_bundle_request_ns',
  'timer_rego_data_parse_ns',
  'timer_rego_module_parse_ns',
  'timer_rego_module_compile_ns',
  'timer_rego_load_bundles_ns',
])

/** Longest failure message kept as a label value (OPA keeps it whole; it is cut to bound the series' size). */
const MAX_MESSAGE = 200

export interface OpaBundleMetrics {
  loaded(name: string): void
  failed(name: string, code: string, message: string): void
  watch(read: () => Record<string, BundleStatusFields>): void
}

/** RFC 3339 time to Unix nanoseconds as a float (Go's zero time, "never", is OPA's -6795364578871345152). */
// time.Time{}.UnixNano() overflows int64 in Go; this is the value OPA exports (as a float64)
const GO_ZERO_TIME_UNIX_NS = Number(-6795364578871345152n)

function unixNs(time: string): number {
  const ms = Date.parse(time)
  return Number.isNaN(ms) || time.startsWith('0001-') ? GO_ZERO_TIME_UNIX_NS : ms * 1e6
}

export function createOpaBundleMetrics(registers: Registry[]): OpaBundleMetrics {
  let read: (() => Record<string, BundleStatusFields>) | undefined
  const observed = new Map<string, string>()
  const loadedCounter = new Counter({
    name: 'bundle_loaded_counter',
    help: 'Counter for the bundle loaded.',
    labelNames: ['name'] as const,
    registers,
  })
  const failedCounter = new Counter({
    name: 'bundle_failed_load_counter',
    help: 'Counter for the failed bundle load.',
    labelNames: ['name', 'code', 'message'] as const,
    registers,
  })
  const loading = new Histogram({
    name: 'bundle_loading_duration_ns',
    help: 'Histogram for the bundle loading duration by stage.',
    labelNames: ['name', 'stage'] as const,
    buckets: LOADING_BUCKETS,
    registers,
    collect() {
      for (const [bundle, status] of Object.entries(read?.() ?? {})) observeStages(bundle, status)
    },
  })
  const gauge = (name: string, help: string, field: keyof BundleStatusFields, withRevision = false): void => {
    new Gauge({
      name,
      help,
      labelNames: withRevision ? ['name', 'active_revision'] : ['name'],
      // under --workers: the latest of the workers', not their sum
      aggregator: 'max',
      registers,
      collect() {
        this.reset()
        for (const [bundle, status] of Object.entries(read?.() ?? {})) {
          const labels = withRevision
            ? { name: bundle, active_revision: status.active_revision ?? '' }
            : { name: bundle }
          this.set(labels, unixNs(status[field] as string))
        }
      },
    })
  }
  function observeStages(bundle: string, status: BundleStatusFields): void {
    const at = status.last_successful_activation
    if (observed.get(bundle) === at || at.startsWith('0001-') || status.metrics === undefined) return
    observed.set(bundle, at)
    for (const [stage, ns] of Object.entries(status.metrics)) {
      if (STAGES.has(stage)) loading.observe({ name: bundle, stage }, ns)
    }
  }
  gauge('last_bundle_request', 'Gauge for the last bundle request.', 'last_request')
  gauge(
    'last_success_bundle_activation',
    'Gauge for the last success bundle activation.',
    'last_successful_activation',
    true,
  )
  gauge(
    'last_success_bundle_download',
    'Gauge for the last success bundle download.',
    'last_successful_download',
  )
  gauge(
    'last_success_bundle_request',
    'Gauge for the last success bundle request.',
    'last_successful_request',
  )
  return {
    loaded(name) {
      loadedCounter.inc({ name })
    },
    failed(name, code, message) {
      failedCounter.inc({ name, code, message: message.slice(0, MAX_MESSAGE) })
    },
    watch(next) {
      read = next
    },
  }
}
