// Prometheus metrics on a registry of Clearance's own, and the HTTP middleware that feeds them.

export { clusterMetricsRenderer, serveClusterMetrics } from './cluster-metrics.js'
export {
  classifyOutcome,
  classifyResult,
  DECISION_OUTCOMES,
  type DecisionOutcome,
} from './decision-outcome.js'
export {
  createMetrics,
  type DecisionLogGauges,
  type Metrics,
  type MetricsOptions,
  OTHER_PATH,
} from './metrics.js'
export { metricsMiddleware, UNMATCHED_ROUTE } from './metrics-middleware.js'
export { createShadowMetrics } from './shadow-metrics.js'
