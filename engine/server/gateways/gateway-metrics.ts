// Counts what the gateway faces (Envoy ext_authz, forward-auth, AuthZEN) answered, on the server's own registry
// beside the decision metrics every decision already feeds. `result` is bounded: allow, deny, error (denied because
// no decision could be made), dry_run_deny (a deny let through by --envoy-dry-run).
import { Counter } from 'prom-client'
import type { Metrics } from '../../metrics/index.js'

export type GatewayName = 'envoy_ext_authz' | 'forward_auth' | 'authzen'
export type GatewayResult = 'allow' | 'deny' | 'error' | 'dry_run_deny'

export interface GatewayMetrics {
  checked(gateway: GatewayName, result: GatewayResult): void
}

const counters = new WeakMap<object, Counter<'gateway' | 'result'>>()

/** One counter per registry, however many gateway faces share it. */
export function createGatewayMetrics(metrics: Metrics | undefined): GatewayMetrics {
  if (metrics === undefined) return { checked: () => {} }
  let counter = counters.get(metrics.registry)
  if (counter === undefined) {
    counter = new Counter({
      name: 'clearance_gateway_checks_total',
      help: 'Authorization checks answered to gateways and meshes, by gateway face and result.',
      labelNames: ['gateway', 'result'] as const,
      registers: [metrics.registry],
    })
    counters.set(metrics.registry, counter)
  }
  const registered = counter
  return { checked: (gateway, result) => registered.inc({ gateway, result }) }
}
