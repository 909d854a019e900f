// Clearance as hono middleware: every request is decided before its handler runs; a denial is answered (403 with
// the reasons, by default), an allow goes on with its obligations on the context (`c.get('clearance')`) and JSON
// responses masked per mask_fields. Served by @hono/node-server, the caller's mTLS certificate is read from the
// request's socket.
import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { RequestFacts } from './decision-input.js'
import { maskFields } from './mask-fields.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'

/** Context variables the middleware sets: `new Hono<{ Variables: ClearanceVariables }>()`. */
export interface ClearanceVariables {
  clearance: Authorization
}

/**
 * The route template of the handler that will answer: the first matched route after this middleware that is not
 * itself middleware (hono runs matches in order, and a handler ends the chain), e.g. "/orders/export" before
 * "/orders/:id".
 */
function handlerRoute(c: Context): string | undefined {
  const routes = matchedRoutes(c)
  let fallback: string | undefined
  for (let index = c.req.routeIndex + 1; index < routes.length; index++) {
    const route = routes[index]!
    const wildcard = route.path.includes('*')
    if (!wildcard && route.handler.length < 2) return route.path
    if (!wildcard) fallback ??= route.path
  }
  return fallback
}

function factsOf(c: Context): RequestFacts {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  return {
    method: c.req.method,
    route: handlerRoute(c),
    path: c.req.path,
    header: (name) => c.req.header(name),
    socket: incoming?.socket,
  }
}

export function clearanceHono(options: GuardOptions): MiddlewareHandler<{ Variables: ClearanceVariables }> {
  const guard = createRequestGuard(options)
  const maskResponses = options.maskResponses ?? true
  return async (c, next) => {
    const result = await guard(factsOf(c))
    if (!result.allowed) return c.json(result.body, result.status as ContentfulStatusCode)
    const { authorization } = result
    c.set('clearance', authorization)
    await next()
    if (!maskResponses || authorization.maskFields.length === 0) return
    if (!(c.res.headers.get('content-type') ?? '').includes('json')) return
    let body: unknown
    try {
      body = await c.res.clone().json()
    } catch {
      // Fields must be masked and the body cannot be read: never send it unmasked.
      c.res = c.json({ code: 'internal_error', message: 'the response could not be masked' }, 500)
      return
    }
    const headers = new Headers(c.res.headers)
    headers.delete('content-length')
    c.res = new Response(JSON.stringify(maskFields(body, authorization.maskFields)), {
      status: c.res.status,
      headers,
    })
  }
}
