// Multi-core serving with node:cluster. The primary forks N workers that each re-run the same `clearance serve`
// command line and so the whole serve path: their own bundle sources (and file watcher, so a hot reload reaches every
// worker), their own wasm instances, decision log and metrics. Workers share the listening socket through the
// primary. The primary only supervises: a worker that dies is replaced after a back-off, and stop() (SIGTERM/SIGINT
// to the primary) asks every worker to shut down gracefully, killing those that have not exited in time.
import nodeCluster, { type Cluster, type Worker } from 'node:cluster'
import { availableParallelism } from 'node:os'
import type { Logger } from 'pino'
import { ClearanceError, ErrorCodes } from '../errors.js'

/** Largest worker count accepted: far above any core count this runs on, low enough to catch a typo. */
const MAX_WORKERS = 256

export type ClusterStatus = 'not_ready' | 'ok' | 'error'

export interface ClusterOptions {
  /** Worker processes to keep running (≥ 1). */
  workers: number
  log: Logger
  /** Wait before replacing a dead worker; doubles while replacements keep dying young (default 100 ms). */
  restartDelayMs?: number
  /** Longest wait before replacing a dead worker (default 30 s). */
  maxRestartDelayMs?: number
  /** A worker that lived this long resets its slot's back-off (default 10 s). */
  stableAfterMs?: number
  /** Time a worker gets to close its connections on stop() before it is killed (default 10 s). */
  stopTimeoutMs?: number
  /** node:cluster, or a stand-in for tests. */
  cluster?: Cluster
  /** Extra environment for every worker (where cluster-bundles.ts relays remote bundles). */
  env?: Record<string, string>
}

export interface ClusterSupervisor {
  /**
   * Forks the workers and resolves once every one of them listens. Rejects (after stopping the others) when a
   * worker exits before it listens: start-up failures (a bad bundle, a busy port) fail the command as they do
   * without workers.
   */
  start(): Promise<void>
  /** Stops every worker (SIGTERM, then SIGKILL after stopTimeoutMs) and resolves when all have exited. */
  stop(): Promise<void>
  /** not_ready until every slot has a listening worker; error while a slot waits for a replacement. */
  readonly status: ClusterStatus
  /** Process ids of the live workers. */
  pids(): number[]
}

interface Slot {
  index: number
  worker: Worker | undefined
  listening: boolean
  startedAt: number
  delayMs: number
  restartTimer: NodeJS.Timeout | undefined
}

/** True in a process forked by the supervisor (it should serve, not supervise). */
export function isClusterWorker(cluster: Cluster = nodeCluster): boolean {
  return cluster.isWorker
}

/** Parses `--workers`: a whole number from 1 to 256, or "auto" for one worker per available core. */
export function parseWorkerCount(value: string | number): number {
  if (value === 'auto') return availableParallelism()
  const count = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `invalid --workers: "${String(value)}" is not a whole number from 1 to ${MAX_WORKERS} or "auto"`,
    )
  }
  return count
}

/**
 * Called by a worker once its server has closed: lets go of the IPC channel to the primary, which otherwise keeps
 * the worker's event loop (and so the process) alive after a graceful shutdown. A no-op outside a worker.
 */
export function leaveCluster(cluster: Cluster = nodeCluster): void {
  if (cluster.isWorker && cluster.worker?.isConnected()) cluster.worker.disconnect()
}

export function createClusterSupervisor(options: ClusterOptions): ClusterSupervisor {
  const cluster = options.cluster ?? nodeCluster
  const log = options.log
  const baseDelayMs = options.restartDelayMs ?? 100
  const maxDelayMs = options.maxRestartDelayMs ?? 30_000
  const stableAfterMs = options.stableAfterMs ?? 10_000
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000
  if (!cluster.isPrimary) throw new Error('createClusterSupervisor must run in the cluster primary')
  const count = parseWorkerCount(options.workers)

  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index,
    worker: undefined,
    listening: false,
    startedAt: 0,
    delayMs: baseDelayMs,
    restartTimer: undefined,
  }))
  const slotOf = new Map<number, Slot>()
  let phase: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle'
  let startup: { resolve(): void; reject(error: Error): void } | undefined
  let stopped: Promise<void> | undefined

  const live = (): Worker[] => slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]))

  function fork(slot: Slot): void {
    slot.restartTimer = undefined
    slot.listening = false
    slot.startedAt = Date.now()
    const worker = cluster.fork({ ...options.env, CLEARANCE_WORKER_INDEX: String(slot.index) })
    slot.worker = worker
    slotOf.set(worker.id, slot)
  }

  function onListening(worker: Worker, address: { address: string; port: number }): void {
    const slot = slotOf.get(worker.id)
    if (slot === undefined || slot.worker !== worker) return
    slot.listening = true
    log.info({ worker: slot.index, pid: worker.process.pid, port: address.port }, 'worker listening')
    if (phase === 'starting' && slots.every((s) => s.listening)) {
      phase = 'running'
      log.info({ workers: count, port: address.port }, 'all workers listening')
      startup?.resolve()
      startup = undefined
    }
  }

  function onExit(worker: Worker, code: number | null, signal: string | null): void {
    const slot = slotOf.get(worker.id)
    slotOf.delete(worker.id)
    if (slot === undefined || slot.worker !== worker) return
    slot.worker = undefined
    const wasListening = slot.listening
    slot.listening = false
    if (phase === 'stopping' || phase === 'stopped') return
    if (phase === 'starting' && !wasListening) {
      // Same outcome as a single process failing start-up: the command fails, nothing keeps running.
      const error = new ClearanceError(
        ErrorCodes.internalError,
        `worker ${slot.index} exited before it was ready (${signal ?? `exit code ${String(code)}`}); see its log above`,
      )
      const pending = startup
      startup = undefined
      void stop().then(() => pending?.reject(error))
      return
    }
    const livedMs = Date.now() - slot.startedAt
    // A worker that ran for a while gets replaced at once; one that keeps dying young waits longer each time.
    const delayMs = livedMs >= stableAfterMs ? baseDelayMs : slot.delayMs
    slot.delayMs = Math.min(maxDelayMs, delayMs * 2)
    log.error(
      { worker: slot.index, pid: worker.process.pid, code, signal, livedMs, restartInMs: delayMs },
      'worker died; replacing it',
    )
    // The delay also lets a stop that raced the death (Ctrl-C reaches every process of the group) cancel it.
    slot.restartTimer = setTimeout(() => fork(slot), delayMs)
  }

  function stop(): Promise<void> {
    if (stopped !== undefined) return stopped
    phase = 'stopping'
    for (const slot of slots) {
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer)
      slot.restartTimer = undefined
    }
    stopped = new Promise<void>((resolve) => {
      const finish = (): void => {
        if (live().length > 0) return
        clearTimeout(killTimer)
        cluster.off('exit', finish)
        cluster.off('listening', onListening)
        cluster.off('exit', onExit)
        phase = 'stopped'
        resolve()
      }
      const killTimer = setTimeout(() => {
        for (const worker of live()) {
          log.warn({ pid: worker.process.pid }, 'worker did not stop in time; killing it')
          worker.process.kill('SIGKILL')
        }
      }, stopTimeoutMs)
      // Registered after onExit, so by the time it runs the slot is already empty.
      cluster.on('exit', finish)
      for (const worker of live()) worker.process.kill('SIGTERM')
      finish()
    })
    return stopped
  }

  return {
    start() {
      if (phase !== 'idle') return Promise.reject(new Error('the cluster was already started'))
      phase = 'starting'
      cluster.on('listening', onListening)
      cluster.on('exit', onExit)
      const ready = new Promise<void>((resolve, reject) => {
        startup = { resolve, reject }
      })
      log.info({ workers: count }, 'starting workers')
      for (const slot of slots) fork(slot)
      return ready
    },
    stop,
    get status(): ClusterStatus {
      if (phase === 'running') return slots.every((slot) => slot.listening) ? 'ok' : 'error'
      return phase === 'starting' || phase === 'idle' ? 'not_ready' : 'error'
    },
    pids: () => live().flatMap((worker) => (worker.process.pid === undefined ? [] : [worker.process.pid])),
  }
}
