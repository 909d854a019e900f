// Shadow evaluation's Prometheus metrics, on the server's own registry: shadow decisions by path and change, and
// the decisions that could not be shadowed (queue full, no shadow bundle active).
import { Counter, type Registry } from 'prom-client'

export interface ShadowMetrics {
  shadowDecision(path: string, change: string): void
  shadowDropped(reason: string): void
}

/** Distinct paths labelled before the rest are counted as "other" (paths come from requests). */
const MAX_PATHS = 64

export function createShadowMetrics(registry: Registry, prefix = 'clearance_'): ShadowMetrics {
  const decisions = new Counter({
    name: `${prefix}shadow_decisions_total`,
    help: 'Decisions made again by the shadow bundle, by decision path and change (unchanged, newly_allowed, newly_denied, changed, error).',
    labelNames: ['path', 'change'] as const,
    registers: [registry],
  })
  const dropped = new Counter({
    name: `${prefix}shadow_dropped_total`,
    help: 'Decisions not made by the shadow bundle, by reason (queue_full, not_active).',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const paths = new Set<string>()
  return {
    shadowDecision(path, change) {
      if (!paths.has(path) && paths.size < MAX_PATHS) paths.add(path)
      decisions.inc({ path: paths.has(path) ? path : 'other', change })
    },
    shadowDropped(reason) {
      dropped.inc({ reason })
    },
  }
}
