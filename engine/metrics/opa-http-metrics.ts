// OPA's own request histogram, beside the clearance_* families, so an OPA Grafana dashboard charts Clearance
// unchanged: http_request_duration_seconds{code, handler, method} with OPA's handler names ("v1/data",
// "v1/policies", "health", …), its lower-case methods (Prometheus' promhttp) and its default buckets.
import type { Registry } from 'prom-client'
import { createHistogramFamily, type HistogramSeries } from './series-family.js'

/** OPA's server.metrics.prom.http_request_duration_seconds.buckets default. */
const OPA_BUCKETS = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 0.01, 0.1, 1]

/** OPA's handler label for a Clearance route pattern. */
export function opaHandler(route: string): string {
  if (route.startsWith('/v1/data')) return 'v1/data'
  if (route.startsWith('/v1/batch/data')) return 'v1/batch/data'
  if (route.startsWith('/v1/policies')) return 'v1/policies'
  if (route.startsWith('/health')) return 'health'
  if (route === '/') return 'index'
  return route.replace(/^\//, '').replace(/\/\*$/, '') || 'index'
}

export interface OpaHttpMetrics {
  /** The series of one (method, route pattern, status); callers keep it for the requests that follow. */
  series(method: string, route: string, status: number): HistogramSeries
}

export function createOpaHttpMetrics(registers: Registry[]): OpaHttpMetrics {
  const duration = createHistogramFamily({
    name: 'http_request_duration_seconds',
    help: 'A histogram of duration for requests.',
    labelNames: ['code', 'handler', 'method'],
    buckets: OPA_BUCKETS,
    registers,
  })
  return {
    series: (method, route, status) =>
      duration.series(String(status), opaHandler(route), method.toLowerCase()),
  }
}
