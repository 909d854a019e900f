// Wires the service map page (`--ui`): the map of the active policy set, the live traffic aggregator observing
// every decision, and the page's masking, which is the decision log's (configured pointers, then the bundle's
// data.system.log.mask). main.ts calls this once; everything it builds stops with the server.
import type { Logger } from 'pino'
import type { PolicyRegistry } from './activation/index.js'
import { DEFAULTS } from './config/index.js'
import type { Decision, DecisionContext } from './decision/index.js'
import { type DecisionRecord, logPolicyEvaluators, type MaskRule } from './decision-log/index.js'
import { loadUiAssets, type UiDeps } from './server/index.js'
import {
  createPageMasker,
  createServiceMapSource,
  createTrafficAggregator,
  type ShadowDivergence,
} from './service-map/index.js'

/** What observeDecisions reports to (the decision log's and metrics' observer). */
export interface DecisionObserverLike {
  decided(decision: Decision, input: Uint8Array | undefined, extras?: DecisionContext): void
  failed(
    path: string,
    input: Uint8Array | undefined,
    error: { code: string; message: string },
    elapsedNs: number,
    extras?: DecisionContext,
  ): void
}

export interface ServiceMapUi {
  deps: UiDeps
  /** The observer that reports to `inner` and to the live traffic. */
  observe(inner: DecisionObserverLike): DecisionObserverLike
  /** The shadow recorder's report of a divergent decision: marked on the decision's edge. */
  shadowed(event: DecisionRecord, change: ShadowDivergence['change']): void
  stop(): void
}

export function createServiceMapUi(deps: {
  registry: PolicyRegistry
  maskRules: readonly MaskRule[]
  checkPath: string
  log: Logger
  uiDir?: string
}): ServiceMapUi {
  const assets = loadUiAssets(deps.uiDir)
  const source = createServiceMapSource({
    current: () => deps.registry.current(),
    onActivate: (listener) => deps.registry.onActivate(listener),
    catalogPath: DEFAULTS.ui.catalogPath,
  })
  const { evaluateMask } = logPolicyEvaluators(() => deps.registry.current())
  const traffic = createTrafficAggregator({
    graph: () => source.graph(),
    mask: createPageMasker({ rules: deps.maskRules, evaluateMask, path: deps.checkPath }),
    recentPerEdge: DEFAULTS.ui.recentPerEdge,
    maxPending: DEFAULTS.ui.maxPendingDecisions,
  })
  // a small catalog active at start-up is laid out now, so the first page does not wait for ELK; a large one only
  // when a page first asks (most servers never show the map, and its graph and layout would be held all along)
  const active = deps.registry.current()
  if (
    active !== undefined &&
    active.dataSize <= DEFAULTS.ui.eagerLayoutMaxDataBytes &&
    (source.graph()?.services.length ?? 0) > 0
  ) {
    source.snapshot().catch((error: unknown) => deps.log.warn({ err: error }, 'service map layout failed'))
  }
  return {
    deps: { assets, source, traffic },
    observe: (inner) => ({
      decided(decision, input, extras) {
        inner.decided(decision, input, extras)
        traffic.decided(decision, input)
      },
      failed(path, input, error, elapsedNs, extras) {
        inner.failed(path, input, error, elapsedNs, extras)
        traffic.failed(path, input, error, elapsedNs)
      },
    }),
    shadowed: (event, change) =>
      traffic.shadowed({ decisionId: event.decisionId, input: event.input, result: event.result, change }),
    stop() {
      traffic.stop()
      source.stop()
    },
  }
}
