// Clearance as Express (4 and 5) middleware. Mounted on a route (`app.get('/orders/:id', guard, handler)`) it knows
// the route template; mounted with app.use it matches the raw path against `routes` from the options. A denial is
// answered (403, 401, or 503 with Retry-After); an allow goes on with its obligations in `res.locals.clearance` and
// every JSON response masked per mask_fields, however the handler writes it (json, jsonp, send, write/end, a
// stream). Typed structurally, so the SDK does not depend on express.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestFacts } from './decision-input.js'
import { maskFields } from './mask-fields.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'
import { maskResponse } from './response-masking.js'

export interface ExpressLikeRequest extends IncomingMessage {
  path?: string
  baseUrl?: string
  route?: { path?: unknown } | undefined
}

export interface ExpressLikeResponse extends ServerResponse {
  locals: Record<string, unknown>
  status(code: number): this
  json(body: unknown): this
  jsonp?(body: unknown): this
}

/** What `res.locals` holds after the middleware let a request through: `res.locals.clearance`. */
export interface ClearanceLocals {
  clearance: Authorization
}

export type ExpressLikeMiddleware = (
  req: ExpressLikeRequest,
  res: ExpressLikeResponse,
  next: (error?: unknown) => void,
) => void

function factsOf(req: ExpressLikeRequest): RequestFacts {
  const routePath = typeof req.route?.path === 'string' ? req.route.path : undefined
  return {
    method: req.method ?? 'GET',
    route: routePath === undefined ? undefined : `${req.baseUrl ?? ''}${routePath}`,
    path: `${req.baseUrl ?? ''}${req.path ?? new URL(req.url ?? '/', 'http://localhost').pathname}`,
    header: (name) => {
      const value = req.headers[name.toLowerCase()]
      return Array.isArray(value) ? value.join(', ') : value
    },
    socket: req.socket,
  }
}

/** The authorization the middleware put on an allowed request. */
export function clearanceOf(res: { locals: Record<string, unknown> }): Authorization | undefined {
  return (res.locals as Partial<ClearanceLocals>).clearance
}

export function clearanceExpress(options: GuardOptions): ExpressLikeMiddleware {
  const guard = createRequestGuard(options)
  const maskResponses = options.maskResponses ?? true
  return (req, res, next) => {
    guard(factsOf(req)).then(
      (result) => {
        if (!result.allowed) {
          for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value)
          res.status(result.status).json(result.body)
          return
        }
        const { authorization } = result
        res.locals.clearance = authorization
        const fields = authorization.maskFields
        if (maskResponses && fields.length > 0) {
          // The value itself, so JSONP (sent as JavaScript) is masked too; then every byte that leaves as JSON.
          const json = res.json.bind(res)
          res.json = (body: unknown) => json(maskFields(body, fields))
          if (typeof res.jsonp === 'function') {
            const jsonp = res.jsonp.bind(res)
            res.jsonp = (body: unknown) => jsonp(maskFields(body, fields))
          }
          maskResponse(res, fields)
        }
        next()
      },
      // The guard does not reject; if it ever does, nothing is let through.
      (thrown: unknown) => next(thrown),
    )
  }
}
