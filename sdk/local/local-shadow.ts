// The local evaluator's shadow bundles: every decision check() or evaluate() makes is made again by the shadow
// bundles after it has been returned (a setImmediate drain over a bounded queue, the server's own recorder), so a
// service can run a candidate policy beside the enforced one in-process and see where they differ.
import { type Logger, pino } from 'pino'
import {
  type BundleSourceSpec,
  createBundleManager,
  createPolicyRegistry,
  createShadowRecorder,
  type Decision,
  type DecisionRecord,
  decisionRecord,
  describeThrown,
  type PollingConfig,
  parseJson,
  type ShadowStatus,
  type VerificationConfig,
} from '../../engine/index.js'
import { bundleSourceSpec } from './bundle-locations.js'

export type { ShadowStatus } from '../../engine/index.js'

/** A decision on which the shadow bundles answered differently. */
export interface ShadowDivergence {
  decisionId: string
  path: string
  change: 'newly_allowed' | 'newly_denied' | 'changed' | 'error'
  /** The enforced result (undefined when undefined), and the shadow's. */
  result: unknown
  shadowResult: unknown
  shadowRevision: string
  shadowError?: { code: string; message: string } | undefined
}

export interface LocalShadowOptions {
  bundles: ReadonlyArray<string | BundleSourceSpec>
  watch?: boolean | undefined
  polling?: PollingConfig | undefined
  verification?: VerificationConfig | undefined
  evaluationTimeoutMs?: number | undefined
  onDivergence?: ((divergence: ShadowDivergence) => void) | undefined
  log?: Logger | undefined
}

export interface LocalShadow {
  /** Queues `decision` (made on `input`) for the shadow bundles; constant work, never throws. */
  observe(decision: Decision, input: Uint8Array | undefined): void
  status(): ShadowStatus
  /** Resolves once everything queued has been shadowed. */
  drained(): Promise<void>
  close(): Promise<void>
}

const parsed = (json: string | undefined): unknown => (json === undefined ? undefined : parseJson(json))

export async function createLocalShadow(options: LocalShadowOptions): Promise<LocalShadow> {
  const log = options.log ?? pino({ level: 'silent' })
  const registry = createPolicyRegistry()
  const manager = createBundleManager({
    specs: options.bundles.map((bundle) => {
      const spec = bundleSourceSpec(bundle)
      return spec.url !== undefined && spec.polling === undefined && options.polling !== undefined
        ? { ...spec, polling: options.polling }
        : spec
    }),
    registry,
    log,
    watch: options.watch ?? false,
    verification: options.verification,
    wasm: { evaluationTimeoutMs: options.evaluationTimeoutMs },
    // a broken shadow bundle leaves decisions unshadowed, never failing the evaluator
    strict: false,
  })
  await manager.start().catch((thrown: unknown) => {
    log.error({ err: describeThrown(thrown) }, 'shadow bundle failed to start')
  })
  const { onDivergence } = options
  const recorder = createShadowRecorder({
    registry,
    log,
    recentDivergences: 0,
    next: {
      record(event: DecisionRecord) {
        const shadow = event.shadow
        if (onDivergence === undefined || shadow === undefined || shadow.change === 'unchanged') return
        try {
          onDivergence({
            decisionId: event.decisionId,
            path: event.path,
            change: shadow.change,
            result: parsed(event.result),
            shadowResult: parsed(shadow.result),
            shadowRevision: shadow.revision,
            shadowError: shadow.error,
          })
        } catch (thrown) {
          log.error({ err: describeThrown(thrown) }, 'onShadowDivergence threw')
        }
      },
    },
  })
  return {
    observe(decision, input) {
      recorder.record(decisionRecord(decision, input))
    },
    status: () => recorder.status(),
    drained: () => recorder.drained(),
    async close() {
      await manager.stop()
      await recorder.drained()
      registry.current()?.close()
    },
  }
}
