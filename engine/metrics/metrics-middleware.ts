// Hono middleware that counts and times every request. The route label is the pattern of the route that answered
// ("/v1/data/*", "/health"), never the raw URL path, so label values stay bounded; requests no route matched are
// labelled "unmatched".
import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Metrics } from './metrics.js'

export const UNMATCHED_ROUTE = 'unmatched'

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** Mount first: `app.use('*', metricsMiddleware(metrics))`, before any route is registered. */
export function metricsMiddleware(metrics: Pick<Metrics, 'observeRequest'>): MiddlewareHandler {
  return async function requestMetrics(c, next) {
    const started = process.hrtime.bigint()
    const ownIndex = c.req.routeIndex
    try {
      await next()
    } finally {
      // After next(), routeIndex points at the handler that answered; still ours means no route matched.
      const route = c.req.routeIndex === ownIndex ? UNMATCHED_ROUTE : routePath(c) || UNMATCHED_ROUTE
      const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : 'OTHER'
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      // A handler that threw past onError leaves no response; report it as the 500 the server will send.
      const status = c.finalized ? c.res.status : 500
      metrics.observeRequest(method, route, status, seconds)
    }
  }
}
