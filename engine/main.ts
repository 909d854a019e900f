// The only place that wires the parts together: bundle sources → bundle registry → policy registry → decider →
// HTTP app → socket.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { isLoopback, type ServeConfig } from './config.js'
import { createDecider } from './decision/decider.js'
import { createInputValidator, type InputValidator } from './decision/input-schema.js'
import { createApp } from './http/index.js'
import { listen, type TlsFiles } from './http/listen.js'
import type { AuthenticationOptions } from './http/middleware/authentication.js'
import { createPolicyRegistry } from './registry/policy-registry.js'
import { createBundleManager } from './sources/index.js'
import { VERSION } from './version.js'

export interface RunningServer {
  url: string
  close(): Promise<void>
}

async function readTokens(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

async function readTls(config: ServeConfig): Promise<TlsFiles | undefined> {
  if (config.tlsCertFile === undefined || config.tlsPrivateKeyFile === undefined) return undefined
  return {
    cert: await readFile(config.tlsCertFile),
    key: await readFile(config.tlsPrivateKeyFile),
    ca: config.tlsCaCertFile === undefined ? undefined : await readFile(config.tlsCaCertFile),
  }
}

/**
 * Starts the bundle sources (a local bundle that fails its first load fails start-up; remote ones may arrive
 * later, and until then every decision is denied), then serves the API.
 */
export async function startServer(config: ServeConfig, log: Logger): Promise<RunningServer> {
  const registry = createPolicyRegistry()
  const manager = createBundleManager({
    specs: config.bundleSources,
    registry,
    log,
    verification: config.verification,
    persistDir: config.persistDir,
    maxAgeMs: config.maxAgeMs,
    cooldownMs: config.reloadCooldownMs,
    watch: config.watch,
  })
  await manager.start()

  let validateInput: InputValidator | undefined
  if (config.inputSchema !== undefined) {
    validateInput = createInputValidator(JSON.parse(await readFile(config.inputSchema, 'utf8')))
  }
  const authentication: AuthenticationOptions =
    config.authentication === 'token' && config.tokenFile !== undefined
      ? { mode: 'token', tokens: await readTokens(config.tokenFile) }
      : { mode: config.authentication }
  const tls = await readTls(config)
  if (!isLoopback(config.host) && tls === undefined && config.authentication === 'off') {
    log.warn(
      { addr: config.host },
      'SERVING ON A NON-LOOPBACK ADDRESS WITHOUT TLS OR AUTHENTICATION: anyone who can reach it can read policy data and probe decisions',
    )
  }

  const app = createApp({
    checkPath: config.checkPath,
    validateInput,
    authentication,
    maxConcurrent: config.maxConcurrent,
    decider: createDecider({ registry, failClosed: () => manager.staleReason() }),
    config: {
      defaultDecision: config.defaultDecision,
      maxBodyBytes: config.maxBodyBytes,
      json: { maxDepth: config.maxJsonDepth, maxElements: config.maxJsonElements },
    },
    log,
    version: VERSION,
    instanceId: randomUUID(),
    bundlesNotReady: () => manager.notReadyReason(),
    bundleStatus: () => manager.status(),
  })

  const server = await listen(app, {
    host: config.host,
    port: config.port,
    tls,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
  })
  log.info({ addr: server.url, version: VERSION, authentication: config.authentication }, 'server listening')
  return {
    url: server.url,
    close: async () => {
      await manager.stop()
      await server.close()
    },
  }
}
