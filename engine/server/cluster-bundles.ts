// Bundles under `--workers`, so that N workers behave as one server. In the primary: the remote bundle sources
// (bundle servers, OCI registries) run once — one poller whatever the worker count —, a bundle is activated there
// first (a bad one is refused once, before any worker sees it) and saved to the bundle store (the --persist-dir,
// or a temporary folder), and every worker is told to activate the saved bytes: all workers serve the revision
// the primary accepted. Each worker reports its readiness and revisions; the primary sends the collected view
// back to all of them, so whichever worker answers GET /v1/status or /health?bundles answers for every worker
// (revision per worker; ready only when all are). Local paths are still watched by each worker.
import nodeCluster, { type Cluster, type Worker } from 'node:cluster'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import {
  type BundleManager,
  type BundleManagerOptions,
  type BundleSourceSpec,
  type BundleStore,
  createBundleManager,
  createBundleStore,
  createPolicyRegistry,
  createRelaySource,
} from '../activation/index.js'
import { type BundleLimits, defaultBundleLimits, type VerificationConfig } from '../bundle/index.js'
import type { PolicySetOptions } from '../policy/index.js'

const SAVED = 'clearance:bundle-saved'
const REPORT = 'clearance:worker-bundles'
const VIEW = 'clearance:cluster-bundles'
/** How often a worker re-sends its state (besides on every activation), so a view never stays wrong for long. */
const REPORT_INTERVAL_MS = 1000

/** One worker's bundles as the cluster view shows them. */
export interface WorkerBundles {
  index: number
  pid: number
  ready: boolean
  reason?: string | undefined
  revisions: Record<string, string>
}

interface ClusterView {
  expected: number
  workers: WorkerBundles[]
}

const isMessage = (message: unknown, type: string): message is Record<string, unknown> =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type

export interface ClusterBundlesOptions {
  workers: number
  log: Logger
  specs: readonly BundleSourceSpec[]
  verification?: VerificationConfig | undefined
  persistDir?: string | undefined
  maxAgeMs?: number | undefined
  wasm?: PolicySetOptions | undefined
  limits?: BundleLimits | undefined
  cluster?: Cluster | undefined
}

export interface ClusterBundles {
  /** Environment for the forked workers (where the relayed bundles are). */
  env: Record<string, string>
  /** The primary's own manager of the remote bundles (undefined when every bundle is a local path). */
  manager: BundleManager | undefined
  stop(): Promise<void>
}

/** In the primary: polls the remote sources once for all workers and collects the workers' bundle states. */
export async function startClusterBundles(options: ClusterBundlesOptions): Promise<ClusterBundles> {
  const cluster = options.cluster ?? nodeCluster
  const limits = options.limits ?? defaultBundleLimits
  const broadcast = (message: object): void => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected()) worker.send(message)
    }
  }
  const states = new Map<number, WorkerBundles>()
  const indexOf = new Map<number, number>()
  const sendView = (): void =>
    broadcast({
      type: VIEW,
      view: { expected: options.workers, workers: [...states.values()] } satisfies ClusterView,
    })
  const onMessage = (worker: Worker, message: unknown): void => {
    if (!isMessage(message, REPORT)) return
    const state = message.state as WorkerBundles
    indexOf.set(worker.id, state.index)
    const before = JSON.stringify(states.get(state.index))
    states.set(state.index, state)
    if (JSON.stringify(state) !== before) sendView()
  }
  const onExit = (worker: Worker): void => {
    const index = indexOf.get(worker.id)
    indexOf.delete(worker.id)
    if (index !== undefined && states.get(index)?.pid === worker.process.pid) {
      states.delete(index)
      sendView()
    }
  }
  cluster.on('message', onMessage)
  cluster.on('exit', onExit)

  const remote = options.specs.filter((spec) => spec.url !== undefined)
  let manager: BundleManager | undefined
  let relayDir: string | undefined
  let ownDir = false
  if (remote.length > 0) {
    relayDir = options.persistDir
    if (relayDir === undefined) {
      relayDir = await mkdtemp(join(tmpdir(), 'clearance-bundles-'))
      ownDir = true
    }
    const inner = createBundleStore({ dir: relayDir, maxBytes: limits.maxCompressedBytes })
    const store: BundleStore = {
      load: (name) => inner.load(name),
      async save(name, bytes, etag) {
        await inner.save(name, bytes, etag)
        broadcast({ type: SAVED, name })
      },
    }
    manager = createBundleManager({
      specs: remote,
      registry: createPolicyRegistry(),
      log: options.log.child({ role: 'bundle-poller' }),
      verification: options.verification,
      maxAgeMs: options.maxAgeMs,
      wasm: options.wasm,
      limits,
      store,
      strict: false,
    })
    await manager.start()
  }
  return {
    env: relayDir === undefined ? {} : { CLEARANCE_BUNDLE_RELAY: relayDir },
    manager,
    async stop() {
      cluster.off('message', onMessage)
      cluster.off('exit', onExit)
      await manager?.stop()
      if (ownDir && relayDir !== undefined) await rm(relayDir, { recursive: true, force: true })
    },
  }
}

export interface WorkerBundlesOptions {
  index: number
  /** The primary's bundle store folder; undefined when the primary polls nothing (all bundles local). */
  relayDir?: string | undefined
  limits?: BundleLimits | undefined
  log?: Logger | undefined
}

export interface WorkerBundlesLink {
  /** The bundle manager's remoteSource: relayed bundles instead of a poller per worker. */
  remoteSource: BundleManagerOptions['remoteSource']
  /** Starts reporting this worker's state (now, on demand through report(), and every second). */
  start(state: () => Omit<WorkerBundles, 'index' | 'pid'>): void
  report(): void
  /** Every worker's bundles, by the primary's latest view. */
  workers(): WorkerBundles[]
  /** Why some worker is not ready; undefined when all are. */
  notReadyReason(): string | undefined
  stop(): void
}

/** In a worker: takes remote bundles from the primary, and reports to / reads the cluster view from it. */
export function joinClusterBundles(options: WorkerBundlesOptions): WorkerBundlesLink {
  const listeners = new Set<(name: string) => void>()
  let view: ClusterView | undefined
  let current: (() => Omit<WorkerBundles, 'index' | 'pid'>) | undefined
  let timer: NodeJS.Timeout | undefined
  const onMessage = (message: unknown): void => {
    if (isMessage(message, SAVED)) for (const listener of listeners) listener(String(message.name))
    else if (isMessage(message, VIEW)) view = message.view as ClusterView
  }
  process.on('message', onMessage)
  const report = (): void => {
    if (current === undefined || process.send === undefined || !process.connected) return
    process.send({ type: REPORT, state: { index: options.index, pid: process.pid, ...current() } })
  }
  const relayDir = options.relayDir
  const limits = options.limits ?? defaultBundleLimits
  const store =
    relayDir === undefined
      ? undefined
      : createBundleStore({ dir: relayDir, maxBytes: limits.maxCompressedBytes })
  return {
    remoteSource:
      store === undefined
        ? undefined
        : (spec, { sink }) =>
            createRelaySource({
              name: spec.name,
              sink,
              store,
              limits,
              log: options.log,
              subscribe(listener) {
                listeners.add(listener)
                return () => listeners.delete(listener)
              },
            }),
    start(state) {
      current = state
      report()
      timer = setInterval(report, REPORT_INTERVAL_MS)
      timer.unref()
    },
    report,
    workers: () => [...(view?.workers ?? [])].sort((a, b) => a.index - b.index),
    notReadyReason() {
      if (view === undefined) return 'waiting for the other workers to report'
      for (let index = 0; index < view.expected; index++) {
        const state = view.workers.find((worker) => worker.index === index)
        if (state === undefined) return `worker ${index} is not running`
        if (!state.ready) return `worker ${index}: ${state.reason ?? 'not ready'}`
      }
      return undefined
    },
    stop() {
      if (timer !== undefined) clearInterval(timer)
      process.off('message', onMessage)
      listeners.clear()
    },
  }
}
