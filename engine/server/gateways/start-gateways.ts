// Starts the gateway faces the configuration asks for: the Envoy ext_authz gRPC server on its own port, and the
// forward-auth and AuthZEN settings createApp mounts beside the REST API.
import type { Logger } from 'pino'
import type { GatewayConfig } from '../../config/index.js'
import { isLoopback } from '../../config/index.js'
import type { Decider } from '../../decision/index.js'
import type { JsonShapeLimits } from '../../json/index.js'
import type { Metrics } from '../../metrics/index.js'
import type { AppDeps } from '../app.js'
import { startExtAuthzServer } from './envoy-ext-authz/index.js'
import { createBearerVerifier, createTrustedProxies } from './forward-auth/index.js'
import { createGatewayMetrics } from './gateway-metrics.js'

export interface StartedGateways {
  /** What createApp needs for forward-auth and AuthZEN. */
  app: Pick<AppDeps, 'forwardAuth' | 'authzenPath'>
  close(): Promise<void>
}

export interface GatewayDeps {
  decider: Decider
  log: Logger
  metrics: Metrics | undefined
  notReady(): string | undefined
  /** Bounds on JSON bodies inside checked requests, as for HTTP requests. */
  json: JsonShapeLimits
  /** The HTTP server's certificate, also used for gRPC; with requireClientCert (--authentication tls) Envoy must present one. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer | undefined; requireClientCert: boolean } | undefined
}

export async function startGateways(config: GatewayConfig, deps: GatewayDeps): Promise<StartedGateways> {
  const app: StartedGateways['app'] = {}
  if (config.forwardAuth !== undefined) {
    const fa = config.forwardAuth
    app.forwardAuth = {
      path: fa.path,
      trustedProxies: createTrustedProxies(fa.trustedProxies),
      clientCertHeader: fa.clientCertHeader,
      verifyBearer: await createBearerVerifier({
        jwksFile: fa.jwksFile,
        jwksUrl: fa.jwksUrl,
        issuer: fa.jwtIssuer,
        audience: fa.jwtAudience,
      }),
    }
    if (fa.trustedProxies.length === 0) {
      deps.log.warn(
        'forward-auth has no --trusted-proxy: forwarded headers and client certificates are ignored',
      )
    }
  }
  if (config.authzenPath !== undefined) app.authzenPath = config.authzenPath
  const envoy =
    config.envoy === undefined
      ? undefined
      : await startExtAuthzServer(
          { ...config.envoy, json: deps.json, tls: deps.tls },
          {
            decider: deps.decider,
            log: deps.log,
            metrics: createGatewayMetrics(deps.metrics),
            notReady: deps.notReady,
          },
        )
  if (envoy !== undefined) {
    if (deps.tls === undefined && !isLoopback(envoy.addr.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''))) {
      deps.log.warn(
        { addr: envoy.addr },
        'ENVOY EXT_AUTHZ ON A NON-LOOPBACK ADDRESS WITHOUT TLS: anyone who can reach it can probe decisions',
      )
    }
    deps.log.info(
      { addr: envoy.addr, decision: config.envoy?.path, dry_run: config.envoy?.dryRun },
      'envoy ext_authz listening',
    )
  }
  return { app, close: async () => envoy?.close() }
}
