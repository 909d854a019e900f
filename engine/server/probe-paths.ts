// The routes an orchestrator or a monitor reads to judge the server. They answer from memory in microseconds, so
// they are never counted against --max-concurrent: an overloaded but healthy instance must still say it is alive
// (a 429 on liveness gets a healthy process restarted). Only liveness is also open without credentials.

/** Answered without credentials even when authentication is on. */
export const LIVENESS_PATH = '/health/live'

/** Never refused by the concurrency limit. */
export const PROBE_PATHS: ReadonlySet<string> = new Set([
  LIVENESS_PATH,
  '/health',
  '/health/ready',
  '/v1/status',
  '/metrics',
])
