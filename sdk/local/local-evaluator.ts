// In-process decisions from the same bundles the server loads, for services that cannot spend a network hop. Built
// on the engine's public surface (engine/index.ts): its bundle manager (files, folders, bundle servers; hot reload
// with `watch`), policy set, decider and verdict shaping (no copies), so check(input) answers exactly what the
// server's POST /v1/check answers for the same input and revision, decision id included. Decisions are promises
// (a time-limited policy evaluates on its own thread without blocking the event loop); like the HTTP client, a
// failure is a deny carrying the reason unless the caller asks for throwing. Activations and refused bundles are
// events the service can log or alert on.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Logger, pino } from 'pino'
import {
  type BundleSourceSpec,
  ClearanceError,
  createBundleManager,
  createDecider,
  createInputValidator,
  createPolicyRegistry,
  type DeleteMode,
  decideVerdict,
  ErrorCodes,
  encodeJson,
  type InputValidator,
  normalizePath,
  type PollingConfig,
  packageRoot,
  parseJson,
  type StatusReport,
  stringifyJson,
  type VerdictDeps,
  type VerificationConfig,
} from '../../engine/index.js'
import {
  type CheckDecision,
  type DataDecision,
  type DecisionError,
  type DecisionOptions,
  deniedCheck,
  failedData,
  failWith,
  type Revisions,
} from '../client/index.js'
import { bundleSourceSpec } from './bundle-locations.js'

/** A new set of bundles is active (the first load, a reload, a deletion). */
export interface ActivationEvent {
  revisions: Revisions
}

/** A bundle was refused (it failed to download, verify, load or evaluate); the last good one keeps deciding. */
export interface BundleErrorEvent {
  bundle: string
  code: string
  message: string
}

export interface LocalEvaluatorEvents {
  activate: ActivationEvent
  'bundle-error': BundleErrorEvent
}

import { createLocalShadow, type ShadowDivergence, type ShadowStatus } from './local-shadow.js'

export interface LocalEvaluatorOptions {
  /**
   * Bundle files, unpacked bundle folders, folders of bundles or http(s) bundle-server URLs, as `location` or
   * `name=location`, or the bundle manager's source specs for full control (polling, credentials, signing).
   */
  bundles: ReadonlyArray<string | BundleSourceSpec>
  /** Reload path bundles when their files change (default false). URL bundles are always polled. */
  watch?: boolean | undefined
  /**
   * A watched bundle file deleted: `drop` (default, as `clearance serve`) stops deciding with it, and decisions are
   * then `pdp_unavailable` denies; `keep` goes on with the last good one (`--on-delete keep`).
   */
  onDelete?: DeleteMode | undefined
  /** Polling of URL bundles given as strings (default: OPA's 60–120 s). */
  polling?: PollingConfig | undefined
  /** Signature verification of the bundles (default: signed bundles are refused). */
  verification?: VerificationConfig | undefined
  /** Deny every decision once a bundle has not been known current for this long. */
  maxAgeMs?: number | undefined
  /**
   * Longest time one evaluation may take, in ms: the policy then runs on a worker thread that is stopped and
   * replaced when an evaluation overruns, and that decision is denied. Costs a thread hand-off per decision (see
   * sdk/README.md for the measured price); default: no limit, evaluation on the calling thread.
   */
  evaluationTimeoutMs?: number | undefined
  /** Decision entrypoint of check() (default clearance/authz/decision, as the server's). */
  checkPath?: string | undefined
  /** JSON Schema (file or parsed) check() validates inputs against; false turns it off (default: the shipped one). */
  inputSchema?: string | object | false | undefined
  /**
   * Shadow bundles (locations as in `bundles`): every decision is made again with them after it was returned, and
   * each divergence is reported to onShadowDivergence. The shadow never changes an answer.
   */
  shadowBundles?: ReadonlyArray<string | BundleSourceSpec> | undefined
  onShadowDivergence?: ((divergence: ShadowDivergence) => void) | undefined
  /** Throw PdpError instead of answering failures with a deny (default false). */
  throwOnError?: boolean | undefined
  log?: Logger | undefined
}

export interface LocalEvaluator {
  /** The decision entrypoint's {allow, reasons, obligations} for `input`, as POST /v1/check answers it. */
  check(input: unknown, options?: DecisionOptions): Promise<CheckDecision>
  /** The document `data.<path>` for `input` (omit for none), as OPA's Data API answers it. */
  evaluate<T = unknown>(path: string, input?: unknown, options?: DecisionOptions): Promise<DataDecision<T>>
  /** Listens to activations and refused bundles; returns the function that stops listening. */
  on<E extends keyof LocalEvaluatorEvents>(
    event: E,
    listener: (event: LocalEvaluatorEvents[E]) => void,
  ): () => void
  /** True once every bundle is active. Before that every decision is denied. */
  ready(): boolean
  /** Resolves once every bundle is active (URL bundles may activate after creation). */
  whenReady(): Promise<void>
  /** Bundle name → revision of the active bundles. */
  revisions(): Revisions
  /** The bundle manager's status (OPA's bundle status per bundle). */
  status(): StatusReport
  /** Shadow revision and divergence counts since its activation; undefined without shadowBundles. */
  shadowStatus(): ShadowStatus | undefined
  /** Stops watching and polling. */
  close(): Promise<void>
}

/** Kept for code written against the first local evaluator. */
export type LocalDecision<T = unknown> = DataDecision<T>

async function inputValidator(
  option: LocalEvaluatorOptions['inputSchema'],
): Promise<InputValidator | undefined> {
  if (option === false) return undefined
  if (typeof option === 'object') return createInputValidator(option)
  const file = option ?? join(packageRoot(), 'policies', 'schema', 'input.schema.json')
  if (option === undefined && !existsSync(file)) return undefined
  let schema: unknown
  try {
    schema = JSON.parse(await readFile(file, 'utf8'))
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `invalid inputSchema: "${file}" cannot be read as JSON: ${(thrown as Error).message}`,
    )
  }
  return createInputValidator(schema)
}

/** The decision failure a thrown engine error amounts to, worded as the server's error answer is. */
function failureOf(thrown: unknown): DecisionError {
  if (!(thrown instanceof ClearanceError)) {
    return {
      code: 'pdp_error',
      pdpCode: ErrorCodes.internalError,
      message: `internal_error: ${String(thrown)}`,
    }
  }
  return {
    code: 'pdp_error',
    pdpCode: thrown.code,
    message: `${thrown.code}: ${thrown.message}`,
    ...(thrown.details !== undefined && thrown.details.length > 0
      ? { details: thrown.details.map(({ code, message }) => ({ code, message })) }
      : {}),
  }
}

export async function createLocalEvaluator(options: LocalEvaluatorOptions): Promise<LocalEvaluator> {
  if (options.bundles.length === 0) throw new TypeError('bundles: at least one bundle is required')
  const specs = options.bundles.map((bundle) => {
    const spec = bundleSourceSpec(bundle)
    return spec.url !== undefined && spec.polling === undefined && options.polling !== undefined
      ? { ...spec, polling: options.polling }
      : spec
  })
  const registry = createPolicyRegistry()
  const listeners = {
    activate: new Set<(event: never) => void>(),
    'bundle-error': new Set<(event: never) => void>(),
  }
  const emit = <E extends keyof LocalEvaluatorEvents>(event: E, payload: LocalEvaluatorEvents[E]): void => {
    for (const listener of listeners[event]) {
      try {
        ;(listener as (event: LocalEvaluatorEvents[E]) => void)(payload)
      } catch {
        // A listener's failure must not stop the reload that told it.
      }
    }
  }
  const log = options.log ?? pino({ level: 'silent' })
  const manager = createBundleManager({
    specs: specs.map((spec) =>
      spec.url === undefined && spec.onDelete === undefined && options.onDelete !== undefined
        ? { ...spec, onDelete: options.onDelete }
        : spec,
    ),
    registry,
    log,
    watch: options.watch ?? false,
    verification: options.verification,
    maxAgeMs: options.maxAgeMs,
    wasm: { evaluationTimeoutMs: options.evaluationTimeoutMs },
    onBundleFailed: (bundle, code) =>
      emit('bundle-error', {
        bundle,
        code,
        message: manager.status().bundles[bundle]?.message ?? `bundle "${bundle}" was refused`,
      }),
  })
  registry.onActivate((next) => emit('activate', { revisions: next.revisions }))
  const validateInput = await inputValidator(options.inputSchema)
  await manager.start()
  const shadow =
    options.shadowBundles === undefined || options.shadowBundles.length === 0
      ? undefined
      : await createLocalShadow({
          bundles: options.shadowBundles,
          watch: options.watch,
          polling: options.polling,
          verification: options.verification,
          evaluationTimeoutMs: options.evaluationTimeoutMs,
          onDivergence: options.onShadowDivergence,
          log: options.log,
        })

  const decider = createDecider({ registry })
  const deps: VerdictDeps = {
    decider,
    checkPath: normalizePath(options.checkPath ?? 'clearance/authz/decision'),
    validateInput,
  }
  const callOptions = (call: DecisionOptions | undefined): DecisionOptions =>
    call?.throwOnError === undefined ? { throwOnError: options.throwOnError } : call
  /** Why no decision can be made right now: no active bundles (not loaded yet, or deleted), or stale ones. */
  const unavailable = (): DecisionError | undefined => {
    const current = registry.current()
    if (current === undefined) {
      return { code: 'pdp_unavailable', message: 'no policy bundle is active yet; every decision is denied' }
    }
    if (Object.keys(current.revisions).length === 0) {
      return {
        code: 'pdp_unavailable',
        message: 'no policy bundle is active (deleted?); every decision is denied',
      }
    }
    const notReady = manager.notReadyReason()
    if (notReady !== undefined) return { code: 'pdp_unavailable', message: notReady }
    const stale = manager.staleReason()
    return stale === undefined ? undefined : { code: 'pdp_unavailable', message: stale }
  }
  const encoder = new TextEncoder()

  return {
    async check(input, call) {
      const down = unavailable()
      if (down !== undefined) return failWith(down, callOptions(call), deniedCheck)
      let answer: CheckDecision
      try {
        // Validate what the server would receive: the input's JSON, not the object (a Date, an undefined member).
        const text = stringifyJson(input)
        if (text === undefined) {
          throw new ClearanceError(ErrorCodes.invalidParameter, 'input document is not a JSON value')
        }
        const value = validateInput === undefined ? input : parseJson(text)
        const encoded = encoder.encode(text)
        const { decision, verdict } = await decideVerdict(deps, value, encoded)
        shadow?.observe(decision, encoded)
        answer = {
          decisionId: decision.decisionId,
          allow: verdict.allow,
          reasons: verdict.reasons,
          obligations: verdict.obligations,
          revisions: decision.policies.revisions,
        }
      } catch (thrown) {
        return failWith(failureOf(thrown), callOptions(call), deniedCheck)
      }
      return answer
    },
    async evaluate<T>(path: string, input?: unknown, call?: DecisionOptions): Promise<DataDecision<T>> {
      const down = unavailable()
      if (down !== undefined) return failWith(down, callOptions(call), failedData<T>)
      let answer: DataDecision<T>
      try {
        const encoded = input === undefined ? undefined : encodeJson(input)
        const decision = await decider.decide(normalizePath(path), encoded)
        shadow?.observe(decision, encoded)
        answer = {
          decisionId: decision.decisionId,
          result: decision.outcome.defined ? (parseJson(decision.outcome.json) as T) : undefined,
          revisions: decision.policies.revisions,
        }
      } catch (thrown) {
        return failWith(failureOf(thrown), callOptions(call), failedData<T>)
      }
      return answer
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>
      set.add(listener)
      return () => set.delete(listener)
    },
    ready: () => manager.ready(),
    whenReady() {
      if (manager.ready()) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const stop = registry.onActivate(() => {
          if (!manager.ready()) return
          stop()
          resolve()
        })
      })
    },
    revisions: () => registry.current()?.revisions ?? {},
    status: () => manager.status(),
    shadowStatus: () => shadow?.status(),
    close: async () => {
      await shadow?.close()
      await manager.stop()
      registry.current()?.close()
    },
  }
}
