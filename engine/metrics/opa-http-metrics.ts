// OPA's own request histogram, beside the clearance_* families, so an OPA Grafana dashboard charts Clearance
// unchanged: http_request_duration_seconds{code, handler, method} with OPA's handler names ("v1/data",
// "v1/policies", "health", …), its lower-case methods (Prometheus' promhttp) and its default buckets.
import { Histogram, type Registry } from 'prom-client'

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
  observe(method: string, route: string, status: number, seconds: number): void
}

export function createOpaHttpMetrics(registers: Registry[]): OpaHttpMetrics {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'A histogram of duration for requests.',
    labelNames: ['code', 'handler', 'method'] as const,
    buckets: OPA_BUCKETS,
    registers,
  })
  return {
    observe(method, route, status, seconds) {
      duration.observe(
        { code: String(status), handler: opaHandler(route), method: method.toLowerCase() },
        seconds,
      )
    },
  }
}
