// Clearance's Prometheus metrics: one registry of its own (never prom-client's global one, so two servers in a
// process or a test never share counters), the metric objects, and small functions the rest of the engine calls.
// Label values are bounded: decision paths past a cap fold into "other", HTTP routes are route patterns.

import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { type DecisionCacheCounts, decisionCacheMetrics } from './decision-cache-metrics.js'
import type { DecisionOutcome } from './decision-outcome.js'
import { type EvaluationPlaceCounts, evaluationPlaceMetrics } from './evaluation-place-metrics.js'
import { type BundleStatusFields, createOpaBundleMetrics } from './opa-bundle-metrics.js'
import { createOpaHttpMetrics } from './opa-http-metrics.js'
import {
  type CounterSeries,
  createCounterFamily,
  createHistogramFamily,
  type HistogramSeries,
} from './series-family.js'

export interface MetricsOptions {
  /** Prefix of every Clearance metric name (default "clearance_"); process metrics keep their usual names. */
  prefix?: string
  /** Distinct decision paths labelled before the rest fold into "other" (default 200). */
  maxPathLabels?: number
  /** Collect Node.js process metrics (default true). */
  processMetrics?: boolean
  /** Labels added to every series, e.g. { instance_id }. */
  defaultLabels?: Record<string, string>
  /** Milliseconds since the epoch, for the last-success/failure gauges (default Date.now). */
  now?: () => number
}

export interface DecisionLogGauges {
  /** Events waiting in buffers (pending processing and waiting for upload). */
  bufferedEvents: number
  bufferedBytes: number
}

export interface Metrics {
  readonly registry: Registry
  /** One decision: its path, outcome and time spent in the policy (nanoseconds). */
  observeDecision(path: string, outcome: DecisionOutcome, evalNs: number): void
  /** One HTTP request answered: route pattern (never the raw path), status and duration in seconds. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  bundleActivated(name: string): void
  bundleFailed(name: string, code: string, message?: string): void
  /** Reads every bundle's status (OPA's shape) at each scrape, for OPA's bundle gauges and loading histogram. */
  watchBundleStatus(read: () => Record<string, BundleStatusFields>): void
  /** A request refused by authentication or authorization, by reason (e.g. missing_token, bad_signature). */
  authRefused(reason: string): void
  /** Decision-log events dropped, by reason (buffer_full, sink_buffer_full, mask_error, sampled, …). */
  decisionLogDropped(reason: string, count: number): void
  /** Decision-log events handed to a sink that accepted them (uploaded, written). */
  decisionLogDelivered(sink: string, count: number): void
  /** Reads the decision-log buffer sizes at every scrape. */
  watchDecisionLog(read: () => DecisionLogGauges): void
  /** Reads the decision cache's hits, misses and size at every scrape. */
  watchDecisionCache(read: () => DecisionCacheCounts): void
  /** Reads where evaluations ran (serving thread or evaluation threads) at every scrape. */
  watchEvaluationPlaces(read: () => EvaluationPlaceCounts): void
  /** The exposition text for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>
}

const DECISION_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1,
]
const HTTP_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

export const OTHER_PATH = 'other'

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'clearance_'
  const now = options.now ?? Date.now
  const registry = createRegistry(options)
  const registers = [registry]
  // Created in this order, which is the exposition's order.
  const { decisionDuration, decisions } = decisionMetrics(prefix, registers)
  const { requests, requestDuration } = httpMetrics(prefix, registers)
  // OPA's family of the same name; left out when the prefix is empty and the names would collide.
  const opaHttp = prefix === '' ? undefined : createOpaHttpMetrics(registers)
  const { activations, failures, lastSuccess, lastFailure } = bundleMetrics(prefix, registers)
  // OPA's bundle families, on the same condition as its HTTP histogram
  const opaBundles = prefix === '' ? undefined : createOpaBundleMetrics(registers)
  const authRefusals = new Counter({
    name: `${prefix}auth_refusals_total`,
    help: 'Requests refused by authentication or authorization, by reason.',
    labelNames: ['reason'] as const,
    registers,
  })
  let readLogGauges: (() => DecisionLogGauges) | undefined
  const { logDropped, logDelivered } = decisionLogMetrics(prefix, registers, () => readLogGauges?.())
  let readCacheCounts: (() => DecisionCacheCounts) | undefined
  let readEvaluationPlaces: (() => EvaluationPlaceCounts) | undefined
  decisionCacheMetrics(prefix, registers, () => readCacheCounts?.())
  evaluationPlaceMetrics(prefix, registers, () => readEvaluationPlaces?.())
  const pathLabel = createPathLabeler(options.maxPathLabels ?? 200)
  // route patterns, methods and statuses are few: each combination's series are found once
  const requestSeries = new Map<
    string,
    { requests: CounterSeries; duration: HistogramSeries; opa: HistogramSeries | undefined }
  >()

  return {
    registry,
    observeDecision(path, outcome, evalNs) {
      decisionDuration.series(pathLabel(path), outcome).observe(evalNs / 1e9)
      decisions.series(outcome).inc()
    },
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${route} ${status}`
      let series = requestSeries.get(key)
      if (series === undefined) {
        const labels = [method, route, String(status)]
        series = {
          requests: requests.series(...labels),
          duration: requestDuration.series(...labels),
          opa: opaHttp?.series(method, route, status),
        }
        requestSeries.set(key, series)
      }
      series.requests.inc()
      series.duration.observe(seconds)
      series.opa?.observe(seconds)
    },
    bundleActivated(name) {
      activations.inc({ bundle: name })
      lastSuccess.set({ bundle: name }, now() / 1000)
      opaBundles?.loaded(name)
    },
    bundleFailed(name, code, message = '') {
      failures.inc({ bundle: name, code })
      lastFailure.set({ bundle: name }, now() / 1000)
      opaBundles?.failed(name, code, message)
    },
    watchBundleStatus(read) {
      opaBundles?.watch(read)
    },
    authRefused(reason) {
      authRefusals.inc({ reason })
    },
    decisionLogDropped(reason, count) {
      if (count > 0) logDropped.inc({ reason }, count)
    },
    decisionLogDelivered(sink, count) {
      if (count > 0) logDelivered.inc({ sink }, count)
    },
    watchDecisionLog(read) {
      readLogGauges = read
    },
    watchDecisionCache(read) {
      readCacheCounts = read
    },
    watchEvaluationPlaces(read) {
      readEvaluationPlaces = read
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() }
    },
  }
}

function createRegistry(options: MetricsOptions): Registry {
  const registry = new Registry()
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels)
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })
  return registry
}

// The families every decision and request updates: series-family.ts (found once per label values, then plain
// arithmetic), read by the registry like prom-client's own.
function decisionMetrics(prefix: string, registers: Registry[]) {
  const decisionDuration = createHistogramFamily({
    name: `${prefix}decision_duration_seconds`,
    help: 'Time spent evaluating a decision in the policy, by decision path and outcome.',
    labelNames: ['path', 'outcome'],
    buckets: DECISION_BUCKETS,
    registers,
  })
  const decisions = createCounterFamily({
    name: `${prefix}decisions_total`,
    help: 'Decisions made, by outcome (allow, deny, undefined, error).',
    labelNames: ['outcome'],
    registers,
  })
  return { decisionDuration, decisions }
}

function httpMetrics(prefix: string, registers: Registry[]) {
  const requests = createCounterFamily({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers,
  })
  const requestDuration = createHistogramFamily({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time to answer an HTTP request, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registers,
  })
  return { requests, requestDuration }
}

function bundleMetrics(prefix: string, registers: Registry[]) {
  const activations = new Counter({
    name: `${prefix}bundle_activations_total`,
    help: 'Bundle revisions activated, by bundle name.',
    labelNames: ['bundle'] as const,
    registers,
  })
  const failures = new Counter({
    name: `${prefix}bundle_failures_total`,
    help: 'Bundle downloads or activations that failed, by bundle name and error code.',
    labelNames: ['bundle', 'code'] as const,
    registers,
  })
  const lastSuccess = new Gauge({
    name: `${prefix}bundle_last_success_timestamp_seconds`,
    help: 'Unix time of the last successful activation of a bundle.',
    labelNames: ['bundle'] as const,
    // under --workers: the latest of the workers', not their sum
    aggregator: 'max',
    registers,
  })
  const lastFailure = new Gauge({
    name: `${prefix}bundle_last_failure_timestamp_seconds`,
    help: 'Unix time of the last failed download or activation of a bundle.',
    labelNames: ['bundle'] as const,
    // under --workers: the latest of the workers', not their sum
    aggregator: 'max',
    registers,
  })
  return { activations, failures, lastSuccess, lastFailure }
}

/** The decision log's counters, and its buffer gauges, which read `read()` at every scrape. */
function decisionLogMetrics(
  prefix: string,
  registers: Registry[],
  read: () => DecisionLogGauges | undefined,
) {
  const logDropped = new Counter({
    name: `${prefix}decision_log_events_dropped_total`,
    help: 'Decision-log events not delivered, by reason (buffer_full, sink_buffer_full, mask_error, sampled, …).',
    labelNames: ['reason'] as const,
    registers,
  })
  const logDelivered = new Counter({
    name: `${prefix}decision_log_events_delivered_total`,
    help: 'Decision-log events accepted by a sink (uploaded or written), by sink.',
    labelNames: ['sink'] as const,
    registers,
  })
  new Gauge({
    name: `${prefix}decision_log_buffer_events`,
    help: 'Decision-log events buffered in memory (waiting to be processed or uploaded).',
    registers,
    collect() {
      this.set(read()?.bufferedEvents ?? 0)
    },
  })
  new Gauge({
    name: `${prefix}decision_log_buffer_bytes`,
    help: 'Approximate bytes of decision-log events buffered in memory.',
    registers,
    collect() {
      this.set(read()?.bufferedBytes ?? 0)
    },
  })
  return { logDropped, logDelivered }
}

/** Decision paths come from request URLs (GET /v1/data/<anything>), so their label values are capped. */
function createPathLabeler(maxPathLabels: number): (path: string) => string {
  const seenPaths = new Set<string>()
  return (path) => {
    if (seenPaths.has(path)) return path
    if (seenPaths.size >= maxPathLabels) return OTHER_PATH
    seenPaths.add(path)
    return path
  }
}
