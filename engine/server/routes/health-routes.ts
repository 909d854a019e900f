// Health as OPA answers it: 200 {} when healthy, 500 {"error": "..."} when not. With ?bundles (and for
// /health/ready) healthy means every configured bundle has been activated; /health/live only says the process
// serves HTTP.
import type { Context, Hono } from 'hono'
import type { RouteDeps } from './route-deps.js'

export interface HealthDeps extends RouteDeps {
  /** Undefined when every configured bundle is active; otherwise why not. */
  bundlesNotReady(): string | undefined
}

function ready(c: Context, deps: HealthDeps): Response {
  const problem = deps.bundlesNotReady()
  return problem === undefined ? c.json({}, 200) : c.json({ error: problem }, 500)
}

export function registerHealthRoutes(app: Hono, deps: HealthDeps): void {
  app.get('/health', (c) => (c.req.query('bundles') !== undefined ? ready(c, deps) : c.json({}, 200)))
  app.get('/health/live', (c) => c.json({}, 200))
  app.get('/health/ready', (c) => ready(c, deps))
}
