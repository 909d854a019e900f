// Settings of the gateway faces (Envoy ext_authz, forward-auth, AuthZEN), validated at start-up like the rest of
// the configuration. Each face is off unless its flag turns it on.
import { existsSync } from 'node:fs'
import { isIP } from 'node:net'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { normalizePath } from '../policy/index.js'
import { DEFAULTS } from './defaults.js'

export interface EnvoyConfig {
  addr: string
  path: string
  dryRun: boolean
  maxRequestBytes: number
  maxHeaderBytes: number
  jwtPayloadKey: string
}

export interface ForwardAuthConfig {
  path: string
  trustedProxies: string[]
  clientCertHeader: string
  jwksFile: string | undefined
  jwksUrl: string | undefined
  jwtIssuer: string | undefined
  jwtAudience: string | undefined
}

export interface GatewayConfig {
  envoy: EnvoyConfig | undefined
  forwardAuth: ForwardAuthConfig | undefined
  authzenPath: string | undefined
}

export interface GatewayOptions {
  envoyGrpcAddr?: string
  envoyDecision?: string
  envoyDryRun?: boolean
  envoyMaxRequestBytes?: string
  envoyMaxHeaderBytes?: string
  envoyJwtPayloadKey?: string
  forwardAuth?: boolean
  forwardAuthDecision?: string
  trustedProxy?: string[]
  clientCertHeader?: string
  jwksFile?: string
  jwksUrl?: string
  jwtIssuer?: string
  jwtAudience?: string
  authzenDecision?: string
}

/** The defaults, written once: OPA-Envoy's decision path, Envoy's default gRPC message limit. */
export const GATEWAY_DEFAULTS = DEFAULTS.gateways

function invalid(field: string, message: string): ClearanceError {
  return new ClearanceError(ErrorCodes.configError, `invalid ${field}: ${message}`)
}

function positive(field: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) throw invalid(field, `"${raw}" is not a positive integer`)
  return value
}

function decisionPath(field: string, raw: string): string {
  const path = normalizePath(raw)
  if (path === '') throw invalid(field, 'must name a document path such as envoy/authz/allow')
  return path
}

export function gatewayConfigFromOptions(options: GatewayOptions): GatewayConfig {
  let envoy: EnvoyConfig | undefined
  if (options.envoyGrpcAddr !== undefined) {
    if (!/^(?:\[[^\]]+\]|[^:]*):\d+$/.test(options.envoyGrpcAddr)) {
      throw invalid('--envoy-grpc-addr', `"${options.envoyGrpcAddr}" is not host:port`)
    }
    envoy = {
      addr: options.envoyGrpcAddr,
      path: decisionPath('--envoy-decision', options.envoyDecision ?? GATEWAY_DEFAULTS.envoyDecision),
      dryRun: options.envoyDryRun ?? false,
      maxRequestBytes: positive(
        '--envoy-max-request-bytes',
        options.envoyMaxRequestBytes,
        GATEWAY_DEFAULTS.envoyMaxRequestBytes,
      ),
      maxHeaderBytes: positive(
        '--envoy-max-header-bytes',
        options.envoyMaxHeaderBytes,
        GATEWAY_DEFAULTS.envoyMaxHeaderBytes,
      ),
      jwtPayloadKey: options.envoyJwtPayloadKey ?? GATEWAY_DEFAULTS.envoyJwtPayloadKey,
    }
  } else if (options.envoyDryRun === true) {
    throw invalid('--envoy-dry-run', 'needs --envoy-grpc-addr')
  }
  if (options.jwksFile !== undefined && !existsSync(options.jwksFile)) {
    throw invalid('--jwks-file', `"${options.jwksFile}" does not exist`)
  }
  if (options.jwksFile !== undefined && options.jwksUrl !== undefined) {
    throw invalid('--jwks-url', 'give --jwks-file or --jwks-url, not both')
  }
  if (options.jwksUrl !== undefined && !URL.canParse(options.jwksUrl)) {
    throw invalid('--jwks-url', `"${options.jwksUrl}" is not a URL`)
  }
  for (const entry of options.trustedProxy ?? []) {
    const [address = '', bits, extra] = entry.split('/')
    const family = isIP(address)
    const maxBits = family === 4 ? 32 : 128
    const badBits = bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits)
    if (family === 0 || badBits || extra !== undefined) {
      throw invalid('--trusted-proxy', `"${entry}" is not an IP address or CIDR block`)
    }
  }
  const forwardAuth: ForwardAuthConfig | undefined =
    options.forwardAuth === true
      ? {
          path: decisionPath(
            '--forward-auth-decision',
            options.forwardAuthDecision ?? GATEWAY_DEFAULTS.forwardAuthDecision,
          ),
          trustedProxies: options.trustedProxy ?? [],
          clientCertHeader: (options.clientCertHeader ?? GATEWAY_DEFAULTS.clientCertHeader).toLowerCase(),
          jwksFile: options.jwksFile,
          jwksUrl: options.jwksUrl,
          jwtIssuer: options.jwtIssuer,
          jwtAudience: options.jwtAudience,
        }
      : undefined
  return {
    envoy,
    forwardAuth,
    authzenPath:
      options.authzenDecision === undefined
        ? undefined
        : decisionPath('--authzen-decision', options.authzenDecision),
  }
}
