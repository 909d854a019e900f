// Where gateways and meshes ask: Envoy's ext_authz (gRPC), forward-auth for nginx, Caddy and Traefik, and AuthZEN.
import type { MiddlewareHandler } from 'hono'

export * from './authzen/index.js'
export * from './envoy-ext-authz/index.js'
export * from './forward-auth/index.js'
export { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.js'

/**
 * `middleware` everywhere but on `path`. Forward-auth callers are proxies trusted by address, and the Authorization
 * header they forward is the user's token, not a credential for Clearance's API.
 */
export function exceptPath(path: string, middleware: MiddlewareHandler): MiddlewareHandler {
  return async (c, next) => (c.req.path === path ? next() : middleware(c, next))
}
