// GET /v1/status — OPA's status report: per bundle the active revision, last download, activation and request
// times, and the error that refused the last attempt, under labels naming this instance.
import type { Hono } from 'hono'
import type { RouteDeps } from './route-deps.js'

export interface StatusDeps extends RouteDeps {
  instanceId: string
  bundleStatus: () => object
}

export function registerStatusRoute(app: Hono, deps: StatusDeps): void {
  app.get('/v1/status', (c) =>
    c.json({ result: { labels: { id: deps.instanceId, version: deps.version }, ...deps.bundleStatus() } }),
  )
}
