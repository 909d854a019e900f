// The rest of OPA's read API: GET /v1/policies (the bundles' Rego modules with OPA's id and raw source),
// GET /v1/config, and the APIs a wasm PDP cannot serve (/v1/query, /v1/compile), which answer OPA's error shape
// with a code saying so. Policies come from bundles only, so writes answer OPA's bundle-owned refusal
// (bundle-owned.ts).
import type { Hono } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { bundleOwnedError } from './bundle-owned.js'
import type { RouteDeps } from './route-deps.js'

export interface OpaReadDeps extends RouteDeps {
  instanceId: string
}

interface PolicyModule {
  id: string
  raw: string
}

/** OPA names a bundle's module `<bundle>/<path in the bundle>`. */
function modules(deps: RouteDeps): PolicyModule[] {
  const listed: PolicyModule[] = []
  for (const [bundle, sources] of deps.decider.policies().policies) {
    for (const source of sources) listed.push({ id: `${bundle}${source.path}`, raw: source.text })
  }
  return listed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

function findModule(deps: RouteDeps, requestPath: string): PolicyModule {
  const id = decodeURIComponent(requestPath.slice('/v1/policies/'.length))
  const found = modules(deps).find((module) => module.id === id)
  if (found === undefined) {
    throw new ClearanceError(ErrorCodes.resourceNotFound, `storage_not_found_error: policy id "${id}"`)
  }
  return found
}

const notSupported = (api: string, why: string) => (): never => {
  throw new ClearanceError(ErrorCodes.notSupported, `${api} is not supported by a wasm PDP: ${why}`)
}

export function registerOpaReadRoutes(app: Hono, deps: OpaReadDeps): void {
  app.get('/v1/policies', (c) => c.json({ result: modules(deps) }))
  app.get('/v1/policies/*', (c) => c.json({ result: findModule(deps, c.req.path) }))
  app.on(['PUT', 'PATCH'], ['/v1/policies', '/v1/policies/*'], () => {
    throw bundleOwnedError(deps)
  })
  app.delete('/v1/policies/*', (c) => {
    findModule(deps, c.req.path)
    throw bundleOwnedError(deps)
  })
  app.get('/v1/config', (c) =>
    c.json({
      result: {
        default_authorization_decision: '/system/authz/allow',
        default_decision: `/${deps.config.defaultDecision}`,
        labels: { id: deps.instanceId, version: deps.version },
      },
    }),
  )
  const query = notSupported(
    '/v1/query',
    "ad-hoc Rego queries need OPA's interpreter; query a document with the Data API (/v1/data/...)",
  )
  app.on(['GET', 'POST'], '/v1/query', query)
  app.post(
    '/v1/compile',
    notSupported(
      '/v1/compile',
      "partial evaluation needs OPA's interpreter; compiled wasm answers whole documents",
    ),
  )
}
