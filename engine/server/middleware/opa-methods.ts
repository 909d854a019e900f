// Methods OPA's router does not serve: HEAD and OPTIONS on OPA's API (/v1/…, /health, /) answer 405 with an empty
// body, as `opa run --server` does (Node would otherwise answer HEAD like GET). Gateway routes (forward-auth sees
// the original request's method) are left alone.
import type { MiddlewareHandler } from 'hono'

const REFUSED = new Set(['HEAD', 'OPTIONS'])

const isOpaApi = (path: string): boolean =>
  path === '/' || path.startsWith('/v1/') || path === '/health' || path.startsWith('/health/')

export const opaMethods: MiddlewareHandler = async (c, next) => {
  if (REFUSED.has(c.req.method) && isOpaApi(c.req.path)) return c.body(null, 405)
  await next()
}
