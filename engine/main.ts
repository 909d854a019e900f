// The only place that wires the parts together: bundle sources → bundle registry → policy registry → decider →
// HTTP app → socket.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Logger } from 'pino'
import { createBundleManager, createPolicyRegistry, type PolicyRegistry } from './activation/index.js'
import { bundleLimitsForMemory } from './bundle/index.js'
import { DEFAULTS, isLoopback, type ServeConfig } from './config/index.js'
import {
  createDecider,
  createInputValidator,
  type InputValidator,
  observeDecisions,
} from './decision/index.js'
import {
  createConsoleSink,
  createDecisionLogger,
  createDecisionObserver,
  createFileSink,
  createHttpUploader,
  type DecisionLogger,
  type DecisionLogSink,
  logPolicyEvaluators,
} from './decision-log/index.js'
import { clusterMetricsRenderer, createMetrics, type Metrics } from './metrics/index.js'
import { createDecisionCache, evaluationPlaces, type PolicySet } from './policy/index.js'
import type { AuthenticationOptions } from './server/index.js'
import {
  createHttpHandlers,
  fullGarbageCollector,
  isClusterWorker,
  joinClusterBundles,
  listen,
  parseTokenFile,
  type ScopedToken,
  startGateways,
  type TlsFiles,
} from './server/index.js'
import { createServiceMapUi, type ServiceMapUi } from './service-map-ui.js'
import { createShadow, type Shadow } from './shadow/index.js'
import { VERSION } from './version.js'

export interface RunningServer {
  url: string
  close(): Promise<void>
}

async function readTokens(file: string): Promise<ScopedToken[]> {
  return parseTokenFile(await readFile(file, 'utf8'))
}

async function readTls(config: ServeConfig): Promise<TlsFiles | undefined> {
  if (config.tlsCertFile === undefined || config.tlsPrivateKeyFile === undefined) return undefined
  return {
    cert: await readFile(config.tlsCertFile),
    key: await readFile(config.tlsPrivateKeyFile),
    ca: config.tlsCaCertFile === undefined ? undefined : await readFile(config.tlsCaCertFile),
  }
}

/** The decision log the configuration asks for, or undefined when no sink is configured. */
function createDecisionLog(
  config: ServeConfig,
  registry: PolicyRegistry,
  metrics: Metrics,
  instanceId: string,
  log: Logger,
): DecisionLogger | undefined {
  const dl = config.decisionLog
  const hooks = { onDrop: metrics.decisionLogDropped, onDelivered: metrics.decisionLogDelivered }
  const sinks: DecisionLogSink[] = []
  if (dl.console) sinks.push(createConsoleSink(hooks))
  if (dl.file !== undefined) sinks.push(createFileSink({ path: dl.file, ...hooks }))
  if (dl.url !== undefined) {
    sinks.push(
      createHttpUploader({
        url: dl.url,
        resource: dl.resource,
        credentials: { bearerToken: dl.token },
        uploadSizeLimitBytes: dl.uploadLimitBytes,
        minDelayMs: dl.minDelayMs,
        maxDelayMs: dl.maxDelayMs,
        buffer: { maxEvents: dl.bufferEvents, maxBytes: dl.bufferBytes },
        log,
        ...hooks,
      }),
    )
  }
  if (sinks.length === 0) return undefined
  const { evaluateMask, evaluateDrop } = logPolicyEvaluators(() => registry.current())
  return createDecisionLogger({
    sinks,
    log,
    onDrop: metrics.decisionLogDropped,
    labels: { id: instanceId, version: VERSION, ...dl.labels },
    mask: { rules: dl.maskRules, evaluateMask },
    evaluateDrop,
    buffer: { maxEvents: dl.bufferEvents, maxBytes: dl.bufferBytes },
    sampling: { allowRate: dl.allowSampleRate, dropPathPrefixes: dl.dropPaths },
  })
}

/**
 * Data documents from this size up leave enough loading garbage to be worth a full collection: those loaded off
 * the serving thread (10,000 catalog services, 10 MiB of data: ~28 MiB of heap and a 10 MiB buffer, ~20 MiB of
 * RSS, which V8 may otherwise keep until long after).
 */
const LARGE_DATA_BYTES = DEFAULTS.dataOffThreadBytes
/** After the replaced set has been released (bundle-registry.ts retires it after 1 s). */
const COLLECT_AFTER_MS = 1500

/** Once a large data document is active, lets the memory its loading took go back to the operating system. */
function releaseLoadingMemory(set: PolicySet): void {
  if (set.dataSize < LARGE_DATA_BYTES) return
  const collect = fullGarbageCollector()
  if (collect !== undefined) setTimeout(collect, COLLECT_AFTER_MS).unref()
}

let refusedCollection: NodeJS.Timeout | undefined

/**
 * A refused bundle leaves what was read of it (up to the limits, hundreds of MiB) as garbage; a full collection
 * soon after returns it to the operating system instead of leaving RSS at its peak until the next one.
 */
function releaseRefusedMemory(): void {
  if (refusedCollection !== undefined) return
  const collect = fullGarbageCollector()
  if (collect === undefined) return
  refusedCollection = setTimeout(() => {
    refusedCollection = undefined
    collect()
  }, COLLECT_AFTER_MS)
  refusedCollection.unref()
}

/** GET /v1/status with the shadow bundle's revision and divergence counts beside the enforced bundles. */
function withShadowStatus(status: object, shadow: Shadow | undefined): object {
  return shadow === undefined ? status : { ...status, shadow: shadow.status() }
}

/** Under --workers, GET /metrics answers for every worker, not just the one that took the scrape. */
function clusterWide(metrics: Metrics): Metrics {
  return isClusterWorker() ? { ...metrics, render: clusterMetricsRenderer(metrics.registry) } : metrics
}

/**
 * The service map page when --ui asks for it: `on` fails start-up when the page is not built; `auto` serves it on
 * loopback addresses when it is built, and says why not otherwise.
 */
function serviceMapUi(config: ServeConfig, registry: PolicyRegistry, log: Logger): ServiceMapUi | undefined {
  if (config.ui === 'off' || (config.ui === 'auto' && !isLoopback(config.host))) return undefined
  const deps = { registry, maskRules: config.decisionLog.maskRules, checkPath: config.checkPath, log }
  if (config.ui === 'on') return createServiceMapUi(deps)
  try {
    return createServiceMapUi(deps)
  } catch (error) {
    log.warn({ err: error }, 'service map page not served')
    return undefined
  }
}

/**
 * Starts the bundle sources (a local bundle that fails its first load fails start-up; remote ones may arrive
 * later, and until then every decision is denied), then serves the API.
 */
export async function startServer(config: ServeConfig, log: Logger): Promise<RunningServer> {
  const registry = createPolicyRegistry()
  const metrics = createMetrics()
  const instanceId = config.instanceId ?? randomUUID()
  registry.onActivate((next, previous) => {
    for (const bundle of next.bundles) {
      if (previous?.revisions[bundle.name] !== bundle.revision) metrics.bundleActivated(bundle.name)
    }
    releaseLoadingMemory(next)
  })
  const limits = bundleLimitsForMemory(config.maxBundleMemory)
  // under --workers: remote bundles come from the primary's one poller, and status answers for every worker
  const cluster = isClusterWorker()
    ? joinClusterBundles({
        index: Number(process.env.CLEARANCE_WORKER_INDEX ?? 0),
        relayDir: process.env.CLEARANCE_BUNDLE_RELAY,
        limits,
        log,
      })
    : undefined
  const manager = createBundleManager({
    remoteSource: cluster?.remoteSource,
    onBundleFailed: (name, code) => {
      metrics.bundleFailed(name, code)
      releaseRefusedMemory()
    },
    limits,
    specs: config.bundleSources,
    registry,
    log,
    verification: config.verification,
    persistDir: config.persistDir,
    maxAgeMs: config.maxAgeMs,
    wasm: { evaluationTimeoutMs: config.evaluationTimeoutMs, evaluationThreads: config.evaluationThreads },
    cooldownMs: config.reloadCooldownMs,
    watch: config.watch,
  })
  await manager.start()
  metrics.watchBundleStatus(() => manager.status().bundles)
  cluster?.start(() => ({
    ready: manager.ready(),
    reason: manager.notReadyReason(),
    revisions: { ...registry.current()?.revisions },
  }))
  if (cluster !== undefined) registry.onActivate(() => cluster.report())
  const decisionLog = createDecisionLog(config, registry, metrics, instanceId, log)
  if (decisionLog !== undefined) {
    metrics.watchDecisionLog(() => decisionLog.stats())
    await decisionLog.start()
  }
  const ui = serviceMapUi(config, registry, log)
  const shadow = await createShadow(config, {
    metrics,
    decisionLog,
    registry,
    instanceId,
    log,
    onDivergence: ui?.shadowed,
  })
  const logged = createDecisionObserver({ metrics, decisionLog: shadow?.recorder ?? decisionLog })
  const observer = ui === undefined ? logged : ui.observe(logged)

  let validateInput: InputValidator | undefined
  if (config.inputSchema !== undefined) {
    validateInput = createInputValidator(JSON.parse(await readFile(config.inputSchema, 'utf8')))
  }
  const authentication: AuthenticationOptions =
    config.authentication === 'token' && config.tokenFile !== undefined
      ? { mode: 'token', tokens: await readTokens(config.tokenFile), onRefused: metrics.authRefused }
      : { mode: config.authentication, onRefused: metrics.authRefused }
  const tls = await readTls(config)
  if (!isLoopback(config.host) && tls === undefined && config.authentication === 'off') {
    log.warn(
      { addr: config.host },
      'SERVING ON A NON-LOOPBACK ADDRESS WITHOUT TLS OR AUTHENTICATION: anyone who can reach it can read policy data and probe decisions',
    )
  }

  const cache = config.decisionCache === undefined ? undefined : createDecisionCache(config.decisionCache)
  if (cache !== undefined) metrics.watchDecisionCache(cache.stats)
  metrics.watchEvaluationPlaces(() => evaluationPlaces)
  const decider = observeDecisions(
    createDecider({ registry, failClosed: () => manager.staleReason(), cache }),
    observer,
  )
  const gateways = await startGateways(config.gateways, {
    decider,
    log,
    metrics: config.metrics ? metrics : undefined,
    notReady: () => manager.notReadyReason(),
    json: { maxDepth: config.maxJsonDepth, maxElements: config.maxJsonElements },
    tls: tls === undefined ? undefined : { ...tls, requireClientCert: config.authentication === 'tls' },
  })
  const { app, lean, fast } = createHttpHandlers({
    checkPath: config.checkPath,
    validateInput,
    authentication,
    maxConcurrent: config.maxConcurrent,
    decider,
    ...gateways.app,
    ...(config.metrics ? { metrics: clusterWide(metrics) } : {}),
    config: {
      defaultDecision: config.defaultDecision,
      maxBodyBytes: config.maxBodyBytes,
      json: { maxDepth: config.maxJsonDepth, maxElements: config.maxJsonElements },
    },
    log,
    version: VERSION,
    instanceId,
    bundlesNotReady: () => manager.notReadyReason() ?? cluster?.notReadyReason(),
    bundleStatus: () => {
      const status = withShadowStatus(manager.status(), shadow)
      return cluster === undefined ? status : { ...status, workers: cluster.workers() }
    },
    shadowDivergences: shadow?.divergences,
    ...(ui === undefined ? {} : { ui: ui.deps }),
  })

  const server = await listen(
    app,
    {
      host: config.host,
      port: config.port,
      tls,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    },
    lean,
    fast,
  )
  log.info({ addr: server.url, version: VERSION, authentication: config.authentication }, 'server listening')
  return {
    url: server.url,
    close: async () => {
      await manager.stop()
      await gateways.close()
      cluster?.stop()
      ui?.stop()
      await server.close()
      await shadow?.stop()
      await decisionLog?.stop()
      registry.current()?.close()
    },
  }
}
