// Wires shadow bundles into the server (main.ts calls this once): their own bundle manager and policy registry —
// the same sources, validation, signature verification and hot reload as --bundle, never failing start-up — the
// recorder between the decision observer and the decision log, metrics, status and the divergence view.

import { join } from 'node:path'
import type { Logger } from 'pino'
import { createBundleManager, createPolicyRegistry, type PolicyRegistry } from '../activation/index.js'
import { bundleLimitsForMemory } from '../bundle/index.js'
import type { ServeConfig } from '../config/index.js'
import type { DecisionLogger } from '../decision-log/index.js'
import { createEventProcessor, logPolicyEvaluators } from '../decision-log/index.js'
import { describeThrown } from '../errors.js'
import type { Metrics } from '../metrics/index.js'
import { createShadowMetrics } from '../metrics/index.js'
import { VERSION } from '../version.js'
import { divergenceView } from './divergence-view.js'
import {
  createShadowRecorder,
  type ShadowRecorder,
  type ShadowRecorderOptions,
  type ShadowStatus,
} from './shadow-recorder.js'

const STOP_WAIT_MS = 2000

export interface Shadow {
  recorder: ShadowRecorder
  status(): ShadowStatus & { bundles: object }
  divergences(limit: number): unknown[]
  stop(): Promise<void>
}

export interface ShadowDeps {
  metrics: Metrics
  decisionLog: DecisionLogger | undefined
  /** The enforced registry: its mask policy masks what the divergence view shows. */
  registry: PolicyRegistry
  instanceId: string
  log: Logger
  /** Told of each divergent decision (the service map's shadow overlay). */
  onDivergence?: ShadowRecorderOptions['onDivergence']
}

/** The shadow side of the server, or undefined when no --shadow-bundle is configured. */
export async function createShadow(config: ServeConfig, deps: ShadowDeps): Promise<Shadow | undefined> {
  if (config.shadowBundleSources.length === 0) return undefined
  const log = deps.log.child({ shadow: true })
  const registry = createPolicyRegistry()
  const manager = createBundleManager({
    specs: config.shadowBundleSources,
    registry,
    log,
    verification: config.verification,
    // a remote shadow bundle must not overwrite the persisted enforced bundle of the same name
    persistDir: config.persistDir === undefined ? undefined : join(config.persistDir, 'shadow'),
    wasm: { evaluationTimeoutMs: config.evaluationTimeoutMs, evaluationThreads: config.evaluationThreads },
    limits: bundleLimitsForMemory(config.maxBundleMemory),
    cooldownMs: config.reloadCooldownMs,
    watch: config.watch,
    strict: false,
  })
  try {
    await manager.start()
  } catch (thrown) {
    // a broken shadow bundle never keeps the server from serving
    log.error(
      { err: describeThrown(thrown) },
      'shadow bundle failed to start; decisions are served unshadowed',
    )
  }
  const shadowMetrics = createShadowMetrics(deps.metrics.registry)
  const recorder = createShadowRecorder({
    registry,
    next: deps.decisionLog,
    queue: { maxEvents: config.shadowQueueEvents },
    onShadowDecision: shadowMetrics.shadowDecision,
    onDropped: shadowMetrics.shadowDropped,
    onDivergence: deps.onDivergence,
    log,
  })
  const { evaluateMask } = logPolicyEvaluators(() => deps.registry.current())
  const processor = createEventProcessor({
    labels: { id: deps.instanceId, version: VERSION, ...config.decisionLog.labels },
    rules: config.decisionLog.maskRules,
    evaluateMask,
  })
  return {
    recorder,
    status: () => ({ ...recorder.status(), bundles: manager.status().bundles }),
    divergences: divergenceView(recorder, processor),
    async stop() {
      await manager.stop()
      // what is still queued is shadowed and logged, within a bound
      await Promise.race([recorder.drained(), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS))])
      registry.current()?.close()
    },
  }
}
