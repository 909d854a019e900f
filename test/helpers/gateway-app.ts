// The shop's policy library served with the gateway faces on: forward-auth (bearer tokens verified against a JWKS
// made here), AuthZEN, over a real socket on 127.0.0.1.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { createPolicyRegistry, type PolicyRegistry } from '../../engine/activation/policy-registry.js'
import { loadBundleFromPath } from '../../engine/bundle/index.js'
import { createDecider } from '../../engine/decision/decider.js'
import { createMetrics } from '../../engine/metrics/index.js'
import { createPolicySet } from '../../engine/policy/policy-set.js'
import {
  createBearerVerifier,
  createTrustedProxies,
} from '../../engine/server/gateways/forward-auth/index.js'
import { createApp } from '../../engine/server/index.js'
import { listen } from '../../engine/server/listen.js'
import { tempDir } from './fixtures.js'
import { signRs256 } from './jwt.js'

export interface IssuerKeys {
  privateKey: KeyObject
  jwksFile: string
  sign(claims: object): string
}

/** An RSA identity provider: its key, its JWKS on disk, and tokens it signs (valid for an hour from now). */
export async function createIssuer(name = 'issuer'): Promise<IssuerKeys> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: `${name}-1`, alg: 'RS256', use: 'sig' }
  const jwksFile = join(await tempDir(), `${name}-jwks.json`)
  await writeFile(jwksFile, JSON.stringify({ keys: [jwk] }))
  const now = Math.floor(Date.now() / 1000)
  return {
    privateKey,
    jwksFile,
    sign: (claims) =>
      signRs256(
        { iss: 'https://id.shop.example', aud: 'shop', iat: now, exp: now + 3600, ...claims },
        privateKey,
      ),
  }
}

export interface GatewayAppOptions {
  bundle: string | undefined
  issuer: IssuerKeys
  trustedProxies?: string[]
  clientCertHeader?: string
  authzenPath?: string
  logLines?: Record<string, unknown>[]
  /** Bearer tokens the REST API requires (--authentication token). */
  apiTokens?: string[]
}

export async function gatewayApp(options: GatewayAppOptions) {
  const registry: PolicyRegistry = createPolicyRegistry()
  if (options.bundle !== undefined) {
    registry.activate(await createPolicySet([await loadBundleFromPath('clearance', options.bundle)]))
  }
  const lines = options.logLines
  const log =
    lines === undefined
      ? pino({ level: 'silent' })
      : pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  const metrics = createMetrics({ processMetrics: false })
  const app = createApp({
    decider: createDecider({ registry }),
    config: {
      defaultDecision: 'system/main',
      maxBodyBytes: 1024 * 1024,
      json: { maxDepth: 64, maxElements: 100_000 },
    },
    log,
    version: 'test',
    metrics,
    bundlesNotReady: () => undefined,
    ...(options.apiTokens === undefined
      ? {}
      : { authentication: { mode: 'token' as const, tokens: options.apiTokens } }),
    forwardAuth: {
      path: 'clearance/gateway/decision',
      trustedProxies: createTrustedProxies(options.trustedProxies ?? ['127.0.0.1']),
      clientCertHeader: options.clientCertHeader ?? 'x-forwarded-client-cert',
      verifyBearer: await createBearerVerifier({
        jwksFile: options.issuer.jwksFile,
        issuer: 'https://id.shop.example',
        audience: 'shop',
      }),
    },
    ...(options.authzenPath === undefined ? {} : { authzenPath: options.authzenPath }),
  })
  const server = await listen(app, {
    host: '127.0.0.1',
    port: 0,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
  })
  return { app, server, registry, metrics }
}
