// The HTTP face of Clearance: OPA's REST API on hono. Routes throw coded errors; onError maps them once.
import { Hono } from 'hono'
import type { Logger } from 'pino'
import { DEFAULTS } from '../config/defaults.js'
import type { Decider, InputValidator } from '../decision/index.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { type Metrics, metricsMiddleware } from '../metrics/index.js'
import { errorResponse } from './error-response.js'
import {
  createGatewayMetrics,
  exceptPath,
  FORWARD_AUTH_ROUTE,
  type ForwardAuthDeps,
  registerAuthzenRoutes,
  registerForwardAuthRoute,
} from './gateways/index.js'
import { createLeanAnswer, createLeanDataRoute, type LeanRoute } from './lean-data-route.js'
import type { FastAnswers } from './listen.js'
import {
  type AuthenticationOptions,
  authentication,
  createAuthenticator,
} from './middleware/authentication.js'
import { concurrencyLimit, createInFlightLimit } from './middleware/concurrency-limit.js'
import { gzipResponse } from './middleware/gzip-response.js'
import { opaMethods } from './middleware/opa-methods.js'
import { opaPathRedirects } from './middleware/opa-path-redirects.js'
import { allows } from './middleware/token-scopes.js'
import { PROBE_PATHS } from './probe-paths.js'
import { registerBatchRoute } from './routes/batch-route.js'
import { registerCheckRoute } from './routes/check-route.js'
import { registerDataRoutes } from './routes/data-routes.js'
import { registerDefaultDecisionRoute } from './routes/default-decision-route.js'
import { registerHealthRoutes } from './routes/health-routes.js'
import { registerOpaReadRoutes } from './routes/opa-read-routes.js'
import type { HttpConfig } from './routes/route-deps.js'
import { registerShadowRoute } from './routes/shadow-route.js'
import { registerStatusRoute } from './routes/status-route.js'
import { createUiSession, registerUiRoutes, registerUiSessionRoutes, type UiDeps } from './ui/index.js'

export interface AppDeps {
  decider: Decider
  config: HttpConfig
  log: Logger
  version: string
  bundlesNotReady(): string | undefined
  /** Decision entrypoint of POST /v1/check. */
  checkPath?: string
  /** Schema check of POST /v1/check bodies; none means every body reaches the policy. */
  validateInput?: InputValidator
  /** Who may call; off when not given. */
  authentication?: AuthenticationOptions
  /** Requests in flight past which the API answers 429. */
  maxConcurrent?: number
  /** Prometheus metrics: served on GET /metrics and fed by every request. */
  metrics?: Metrics
  /** OPA-shaped bundle status for GET /v1/status. */
  bundleStatus?: () => object
  instanceId?: string
  /** ANY /v1/gateway/forward-auth for nginx, Caddy and Traefik; off when not given. */
  forwardAuth?: Omit<ForwardAuthDeps, 'decider' | 'log' | 'metrics'>
  /** AuthZEN 1.0 endpoints answered by this decision path; off when not given. */
  authzenPath?: string
  /** Recent shadow divergences for GET /v1/shadow/divergences; the route exists only with a shadow bundle. */
  shadowDivergences?: (limit: number) => unknown[]
  /** The service map page under /ui/ (behind the same authentication); off when not given. */
  ui?: UiDeps
}

/** The hono app, and the lean POST /v1/data route that answers in front of it on a socket (listen.ts). */
export interface HttpHandlers {
  app: Hono
  lean: LeanRoute
  /** The same answers for requests read straight from plain-HTTP sockets (fast-connections.ts). */
  fast: FastAnswers
}

/**
 * With token authentication, a browser signs in to the service map once and holds a session cookie. The page
 * reads (the map) and decides (the what-if panel asks POST /v1/check), so only a token allowed both may sign in.
 */
function serviceMapSession(deps: AppDeps) {
  const auth = deps.authentication
  const tokens = (auth?.tokens ?? [])
    .filter(
      (entry) =>
        typeof entry === 'string' || (allows(entry.scopes, 'read') && allows(entry.scopes, 'decide')),
    )
    .map((entry) => (typeof entry === 'string' ? entry : entry.token))
  if (deps.ui === undefined || auth?.mode !== 'token' || tokens.length === 0) return undefined
  return createUiSession({
    tokens,
    ttlMs: DEFAULTS.ui.sessionTtlMs,
    onRefused: auth.onRefused,
  })
}

export function createApp(deps: AppDeps): Hono {
  return createHttpHandlers(deps).app
}

export function createHttpHandlers(deps: AppDeps): HttpHandlers {
  const app = new Hono()
  const metrics = deps.metrics
  app.use(gzipResponse(DEFAULTS.gzipMinLength))
  if (metrics !== undefined) app.use(metricsMiddleware(metrics))
  app.use(opaPathRedirects)
  app.use(opaMethods)
  // Every route below is behind authentication (liveness excepted, see probe-paths.ts), /metrics and /ui included;
  // the forward-auth gateway route judges its callers itself. One check and one in-flight count serve the hono
  // stack and the lean route.
  const uiSession = serviceMapSession(deps)
  if (uiSession !== undefined) registerUiSessionRoutes(app, uiSession)
  const authenticationOptions = { ...(deps.authentication ?? { mode: 'off' }), vouched: uiSession?.vouches }
  const check = createAuthenticator(authenticationOptions)
  const limit = createInFlightLimit(deps.maxConcurrent ?? DEFAULTS.maxConcurrent)
  const authenticate = authentication(authenticationOptions, check)
  app.use(deps.forwardAuth === undefined ? authenticate : exceptPath(FORWARD_AUTH_ROUTE, authenticate))
  app.use(concurrencyLimit(limit, { exempt: PROBE_PATHS }))
  if (metrics !== undefined) {
    app.get('/metrics', async (c) => {
      const { contentType, body } = await metrics.render()
      return c.body(body, 200, { 'content-type': contentType })
    })
  }
  const gatewayMetrics = createGatewayMetrics(metrics)
  if (deps.forwardAuth !== undefined) {
    registerForwardAuthRoute(app, {
      ...deps.forwardAuth,
      decider: deps.decider,
      log: deps.log,
      metrics: gatewayMetrics,
    })
  }
  if (deps.authzenPath !== undefined) {
    registerAuthzenRoutes(app, { ...deps, path: deps.authzenPath, metrics: gatewayMetrics })
  }
  registerDataRoutes(app, deps)
  registerBatchRoute(app, deps)
  registerCheckRoute(app, {
    ...deps,
    checkPath: deps.checkPath ?? DEFAULTS.checkPath,
    validateInput: deps.validateInput,
  })
  registerDefaultDecisionRoute(app, deps)
  registerHealthRoutes(app, deps)
  registerStatusRoute(app, {
    ...deps,
    instanceId: deps.instanceId ?? 'clearance',
    bundleStatus: deps.bundleStatus ?? (() => ({ bundles: {} })),
  })
  if (deps.shadowDivergences !== undefined) {
    registerShadowRoute(app, { shadowDivergences: deps.shadowDivergences })
  }
  if (deps.ui !== undefined) registerUiRoutes(app, deps.ui)
  registerOpaReadRoutes(app, { ...deps, instanceId: deps.instanceId ?? 'clearance' })
  app.notFound((c) =>
    errorResponse(
      c,
      new ClearanceError(ErrorCodes.resourceNotFound, `no API route for ${c.req.method} ${c.req.path}`),
      deps.log,
    ),
  )
  app.onError((thrown, c) => errorResponse(c, thrown, deps.log))
  const leanDeps = { ...deps, authenticate: check, limit, metrics, gzipMinLength: DEFAULTS.gzipMinLength }
  return {
    app,
    lean: createLeanDataRoute(leanDeps),
    fast: { answer: createLeanAnswer(leanDeps), maxBodyBytes: deps.config.maxBodyBytes },
  }
}
