// Clearance as Express (4 and 5) middleware. Mounted on a route (`app.get('/orders/:id', guard, handler)`) it knows
// the route template; mounted with app.use it matches the raw path against `routes` from the options. A denial is
// answered (403 with the reasons, by default); an allow goes on with its obligations in `res.locals.clearance` and
// JSON responses (res.json, res.send of an object) masked per mask_fields. Typed structurally, so the SDK does not
// depend on express.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestFacts } from './decision-input.js'
import { maskFields } from './mask-fields.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'

export interface ExpressLikeRequest extends IncomingMessage {
  path?: string
  baseUrl?: string
  route?: { path?: unknown } | undefined
}

export interface ExpressLikeResponse extends ServerResponse {
  locals: Record<string, unknown>
  status(code: number): this
  json(body: unknown): this
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
  return res.locals.clearance as Authorization | undefined
}

export function clearanceExpress(options: GuardOptions): ExpressLikeMiddleware {
  const guard = createRequestGuard(options)
  const maskResponses = options.maskResponses ?? true
  return (req, res, next) => {
    guard(factsOf(req)).then(
      (result) => {
        if (!result.allowed) {
          res.status(result.status).json(result.body)
          return
        }
        const { authorization } = result
        res.locals.clearance = authorization
        if (maskResponses && authorization.maskFields.length > 0) {
          const json = res.json.bind(res)
          res.json = (body: unknown) => json(maskFields(body, authorization.maskFields))
        }
        next()
      },
      // The guard does not reject; if it ever does, nothing is let through.
      (thrown: unknown) => next(thrown),
    )
  }
}
