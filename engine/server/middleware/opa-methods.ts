// Methods OPA's router does not serve: HEAD and OPTIONS answer 405 with an empty body, as `opa run --server`
// does (Node would otherwise answer HEAD like GET).
import type { MiddlewareHandler } from 'hono'

const REFUSED = new Set(['HEAD', 'OPTIONS'])

export const opaMethods: MiddlewareHandler = async (c, next) => {
  if (REFUSED.has(c.req.method)) return c.body(null, 405)
  await next()
}
