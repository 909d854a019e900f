// The bundle lifecycle behind one small face: it starts a source per configured bundle (a watched path or a
// polled bundle server), verifies and activates what they read through the bundle registry, keeps OPA-shaped
// status per bundle, and answers readiness and staleness. main.ts creates it and hands it the policy registry.
import type { Logger } from 'pino'
import type { BundleLimits } from '../bundle/index.js'
import {
  type BundleVerifier,
  createBundleVerifier,
  defaultBundleLimits,
  type VerificationConfig,
} from '../bundle/index.js'
import { type Clock, systemClock } from '../clock.js'
import { ClearanceError, describeThrown, ErrorCodes, toClearanceError } from '../errors.js'
import {
  type HttpCredentials,
  isOciReference,
  type OciRegistryOptions,
  type PollingConfig,
} from '../net/index.js'
import type { PolicySetOptions } from '../policy/index.js'
import { type ActivationSink, createActivationSink } from './activation-sink.js'
import { type ActivationStatus, type BundleStatus, createActivationStatus } from './activation-status.js'
import { createBundleRegistry } from './bundle-registry.js'
import { type BundleStore, createBundleStore } from './bundle-store.js'
import { createDirectorySource, type DeleteMode } from './directory-source.js'
import type { WatchFactory } from './file-watcher.js'
import { createHttpSource } from './http-source.js'
import { createOciSource } from './oci-source.js'
import type { PolicyRegistry } from './policy-registry.js'
import type { BundleSink, BundleSource, SourceState } from './source.js'

interface CommonSpec {
  /** The bundle's name (for a folder of bundles, the source's name; its bundles are named after their entries). */
  name: string
  /** Overrides the manager's max age for this source's bundles. */
  maxAgeMs?: number | undefined
  /** Overrides the manager's verification; null turns it off for this source. */
  verification?: VerificationConfig | null | undefined
}

export interface PathSpec extends CommonSpec {
  path: string
  url?: undefined
  /** Watch for changes (default: the manager's `watch`). */
  watch?: boolean | undefined
  onDelete?: DeleteMode | undefined
}

export interface UrlSpec extends CommonSpec {
  url: string
  path?: undefined
  polling?: PollingConfig | undefined
  credentials?: HttpCredentials | undefined
  timeoutMs?: number | undefined
  /** Largest download accepted (default: the bundle limits' compressed size). */
  maxDownloadBytes?: number | undefined
  /** Keep the last good bundle in the persist folder (default true when the manager has one). */
  persist?: boolean | undefined
  /** For an oci:// url: registry credentials and transport. */
  registry?: OciRegistryOptions | undefined
}

export type BundleSourceSpec = PathSpec | UrlSpec

export interface BundleManagerOptions {
  specs: readonly BundleSourceSpec[]
  registry: PolicyRegistry
  log: Logger
  verification?: VerificationConfig | undefined
  clock?: Clock | undefined
  limits?: BundleLimits | undefined
  /** Folder for persisted remote bundles (OPA's persistence_directory); none: nothing is persisted. */
  persistDir?: string | undefined
  /** Decisions fail closed once a bundle's active revision has not been known current for this long. */
  maxAgeMs?: number | undefined
  /** Quiet time after the last file-system event before a watched path is read (default 100 ms). */
  cooldownMs?: number | undefined
  /** Re-check of watched paths after each batch, for writes a watcher missed (default 250 ms; 0: none). */
  recheckMs?: number | undefined
  /** Periodic fingerprint check of watched paths (default 5000 ms; 0: none). */
  resyncMs?: number | undefined
  /** Watch local paths for changes (default true). */
  watch?: boolean | undefined
  watcher?: WatchFactory | undefined
  random?: (() => number) | undefined
  wasm?: PolicySetOptions | undefined
  /** start() rejects when a local bundle fails its first load (default true), as start-up always has. */
  strict?: boolean | undefined
  /** Replaces the poller of every URL spec (a `--workers` worker: the primary polls, see relay-source.ts). */
  remoteSource?:
    | ((spec: UrlSpec, deps: { sink: BundleSink; limits: BundleLimits }) => BundleSource)
    | undefined
  /** Replaces the store persistDir would give (the primary of `--workers` tells workers of each save). */
  store?: BundleStore | undefined
  /** Told of every refused download or activation, with the error's code (for metrics). */
  onBundleFailed?: ((name: string, code: string, message: string) => void) | undefined
}

export type PluginState = 'OK' | 'NOT_READY' | 'ERROR'

/** What GET /v1/status reports (inside OPA's `result`, next to `labels`). */
export interface StatusReport {
  bundles: Record<string, BundleStatus>
  plugins: { bundle: { state: PluginState; message?: string } }
  /** Clearance's addition: each source's lifecycle state, by spec name. */
  sources: Record<string, { kind: 'path' | 'url'; state: SourceState }>
}

export interface BundleManager {
  start(): Promise<void>
  stop(): Promise<void>
  status(): StatusReport
  /** True once every source has an active bundle and every known bundle has activated at least once. */
  ready(): boolean
  /** Why the manager is not ready; undefined when it is (the health routes' `bundlesNotReady`). */
  notReadyReason(): string | undefined
  /** Bundles past their max age. */
  staleBundles(): string[]
  /** Why decisions must be denied because of stale bundles; undefined otherwise. Cheap enough per decision. */
  staleReason(): string | undefined
}

interface ConfiguredSource {
  spec: BundleSourceSpec
  source: BundleSource
}

export function createBundleManager(options: BundleManagerOptions): BundleManager {
  const { registry, log } = options
  const clock = options.clock ?? systemClock
  const limits = options.limits ?? defaultBundleLimits
  const status = createActivationStatus({ clock })
  if (options.onBundleFailed !== undefined) reportFailures(status, options.onBundleFailed)
  const bundles = createBundleRegistry({ registry, wasm: options.wasm ?? {} })
  const { specs, verifiers } = indexSpecs(options.specs, options.verification)
  const store =
    options.store ??
    (options.persistDir === undefined
      ? undefined
      : createBundleStore({ dir: options.persistDir, maxBytes: limits.maxCompressedBytes }))
  const sink = createActivationSink({
    bundles,
    status,
    log,
    verifierFor: (source) => verifiers.get(source),
    maxAgeFor: (source) => specs.get(source)?.maxAgeMs ?? options.maxAgeMs,
  })
  const sources = [...specs.values()].map((spec) => ({
    spec,
    source: createSource(spec, { options, sink, clock, limits, store }),
  }))
  let started = false
  const notReadyReason = (): string | undefined => describeNotReady(started, sources, status)

  const manager: BundleManager = {
    async start() {
      const failure = (await startSources(sources)).find((result) => result.status === 'rejected')
      started = true
      const error =
        failure !== undefined
          ? toClearanceError(failure.reason, ErrorCodes.bundleError)
          : options.strict === false
            ? undefined
            : firstLocalFailure(status, sink, specs)
      if (error !== undefined) {
        await manager.stop()
        throw error
      }
    },
    async stop() {
      await Promise.allSettled(sources.map(({ source }) => source.stop()))
    },
    status: () => statusReport(status, sources, notReadyReason()),
    ready: () => notReadyReason() === undefined,
    notReadyReason,
    staleBundles: () => status.stale(),
    staleReason: () => status.staleReason(),
  }
  return manager
}

/** Tells `onBundleFailed` of every failure the status records, with the error's code. */
function reportFailures(
  status: ActivationStatus,
  onBundleFailed: (name: string, code: string, message: string) => void,
): void {
  const recordFailure = status.failed.bind(status)
  status.failed = (name, error, info) => {
    recordFailure(name, error, info)
    onBundleFailed(
      name,
      error instanceof ClearanceError ? error.code : ErrorCodes.internalError,
      describeThrown(error),
    )
  }
}

/** The specs by name (names must be unique), and each one's verifier: its own, none (null), or the manager's. */
function indexSpecs(
  given: readonly BundleSourceSpec[],
  verification: VerificationConfig | undefined,
): { specs: Map<string, BundleSourceSpec>; verifiers: Map<string, BundleVerifier | undefined> } {
  const globalVerifier = verification === undefined ? undefined : createBundleVerifier(verification)
  const verifiers = new Map<string, BundleVerifier | undefined>()
  const specs = new Map<string, BundleSourceSpec>()
  for (const spec of given) {
    if (specs.has(spec.name)) {
      throw new ClearanceError(ErrorCodes.configError, `invalid bundles: two are named "${spec.name}"`)
    }
    specs.set(spec.name, spec)
    verifiers.set(
      spec.name,
      spec.verification === undefined
        ? globalVerifier
        : spec.verification === null
          ? undefined
          : createBundleVerifier(spec.verification, `bundle "${spec.name}" verification`),
    )
  }
  return { specs, verifiers }
}

interface SourceDeps {
  options: BundleManagerOptions
  sink: ActivationSink
  clock: Clock
  limits: BundleLimits
  store: BundleStore | undefined
}

/** createHttpSource's signature over an OCI reference, with the spec's registry settings. */
function createOciSourceFor(spec: UrlSpec): typeof createHttpSource {
  return (options) => createOciSource({ ...options, reference: options.url, registry: spec.registry })
}

function createSource(
  spec: BundleSourceSpec,
  { options, sink, clock, limits, store }: SourceDeps,
): BundleSource {
  const { log } = options
  if (spec.url !== undefined && options.remoteSource !== undefined)
    return options.remoteSource(spec, { sink, limits })
  if (spec.url !== undefined) {
    const create = isOciReference(spec.url) ? createOciSourceFor(spec) : createHttpSource
    return create({
      name: spec.name,
      url: spec.url,
      sink,
      clock,
      polling: spec.polling,
      credentials: spec.credentials,
      timeoutMs: spec.timeoutMs,
      maxBytes: spec.maxDownloadBytes,
      limits,
      store: spec.persist === false ? undefined : store,
      random: options.random,
      log,
    })
  }
  return createDirectorySource({
    name: spec.name,
    path: spec.path,
    sink,
    clock,
    limits,
    cooldownMs: options.cooldownMs,
    recheckMs: options.recheckMs,
    resyncMs: options.resyncMs,
    onDelete: spec.onDelete,
    watch: spec.watch ?? options.watch,
    watcher: options.watcher,
    log,
  })
}

async function startSources(sources: readonly ConfiguredSource[]): Promise<PromiseSettledResult<void>[]> {
  // Local paths first, one after another in the order given, so when two provide a bundle of the same name
  // the first one configured keeps it; then the remote sources, whose first polls may take a while, together.
  const results: PromiseSettledResult<void>[] = []
  for (const { spec, source } of sources) {
    if (spec.url === undefined) results.push(...(await Promise.allSettled([source.start()])))
  }
  results.push(
    ...(await Promise.allSettled(
      sources.filter(({ spec }) => spec.url !== undefined).map(({ source }) => source.start()),
    )),
  )
  return results
}

/** The first bundle from a local path that has not activated (strict start-up refuses to go on without it). */
function firstLocalFailure(
  status: ActivationStatus,
  sink: ActivationSink,
  specs: ReadonlyMap<string, BundleSourceSpec>,
): ClearanceError | undefined {
  const report = status.report()
  for (const [name, source] of sink.owners()) {
    if (specs.get(source)?.url !== undefined || status.isActivated(name)) continue
    return new ClearanceError(ErrorCodes.bundleError, report[name]?.message ?? `bundle "${name}" failed`)
  }
  return undefined
}

function describeNotReady(
  started: boolean,
  sources: readonly ConfiguredSource[],
  status: ActivationStatus,
): string | undefined {
  if (!started) return 'bundles are still loading'
  for (const { spec, source } of sources) {
    if (source.status() === 'not_ready') return `no bundle from "${spec.name}" has been activated yet`
  }
  // Asked per decision by the SDK: the status report (dates, sorting) is built only to name a bundle not activated.
  for (const name of status.names()) {
    if (!status.isActivated(name)) {
      const message = status.report()[name]?.message
      return `bundle "${name}" has not been activated${message === undefined ? '' : `: ${message}`}`
    }
  }
  return undefined
}

function statusReport(
  status: ActivationStatus,
  sources: readonly ConfiguredSource[],
  notReadyReason: string | undefined,
): StatusReport {
  return {
    bundles: status.report(),
    plugins: {
      bundle:
        notReadyReason === undefined ? { state: 'OK' } : { state: 'NOT_READY', message: notReadyReason },
    },
    sources: Object.fromEntries(
      sources.map(({ spec, source }) => [
        spec.name,
        { kind: spec.url === undefined ? 'path' : 'url', state: source.status() },
      ]),
    ),
  }
}
