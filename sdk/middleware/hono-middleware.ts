// Clearance as hono middleware: every request is decided before its handler runs; a denial is answered (403, 401,
// or 503 with Retry-After), an allow goes on with its obligations on the context (`c.get('clearance')`) and every
// response with a JSON content type masked per mask_fields (c.json, c.body, a stream). Served by
// @hono/node-server, the caller's mTLS certificate is read from the request's socket, and whatever a handler
// writes straight to the Node response is masked as well.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { RequestFacts } from './decision-input.js'
import { maskFields } from './mask-fields.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'
import { maskResponse } from './response-masking.js'

/** Context variables the middleware sets: `new Hono<{ Variables: ClearanceVariables }>()`. */
export interface ClearanceVariables {
  clearance: Authorization
}

type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined

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
  const incoming = (c.env as NodeBindings)?.incoming
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
    if (!result.allowed) {
      return c.json(result.body, result.status as ContentfulStatusCode, result.headers)
    }
    const { authorization } = result
    c.set('clearance', authorization)
    const fields = authorization.maskFields
    const masking = maskResponses && fields.length > 0
    // A handler may write to the Node response itself (c.env.outgoing): mask that path too.
    const outgoing = (c.env as NodeBindings)?.outgoing
    if (masking && outgoing !== undefined) maskResponse(outgoing, fields)
    await next()
    if (!masking) return
    if (!/json/i.test(c.res.headers.get('content-type') ?? '')) return
    let body: unknown
    try {
      const text = await c.res.clone().text()
      if (text === '') return
      body = JSON.parse(text)
    } catch {
      // Fields must be masked and the body cannot be read: never send it unmasked.
      c.res = c.json({ code: 'internal_error', message: 'the response could not be masked' }, 500)
      return
    }
    const headers = new Headers(c.res.headers)
    headers.delete('content-length')
    headers.delete('etag')
    c.res = new Response(JSON.stringify(maskFields(body, fields)), { status: c.res.status, headers })
  }
}
