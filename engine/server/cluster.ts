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
  const supervisor = new Supervisor(options)
  return {
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    get status(): ClusterStatus {
      return supervisor.status
    },
    pids: () => supervisor.pids(),
  }
}

type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'

/** The primary's view of its workers: one slot per worker to keep running, and the phase of the whole. */
class Supervisor {
  private readonly cluster: Cluster
  private readonly log: Logger
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly stableAfterMs: number
  private readonly stopTimeoutMs: number
  private readonly count: number
  private readonly slots: Slot[]
  private readonly slotOf = new Map<number, Slot>()
  private phase: Phase = 'idle'
  private startup: { resolve(): void; reject(error: Error): void } | undefined
  private stopped: Promise<void> | undefined

  constructor(options: ClusterOptions) {
    this.cluster = options.cluster ?? nodeCluster
    this.log = options.log
    this.baseDelayMs = options.restartDelayMs ?? 100
    this.maxDelayMs = options.maxRestartDelayMs ?? 30_000
    this.stableAfterMs = options.stableAfterMs ?? 10_000
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000
    if (!this.cluster.isPrimary) throw new Error('createClusterSupervisor must run in the cluster primary')
    this.count = parseWorkerCount(options.workers)
    this.slots = Array.from({ length: this.count }, (_, index) => ({
      index,
      worker: undefined,
      listening: false,
      startedAt: 0,
      delayMs: this.baseDelayMs,
      restartTimer: undefined,
    }))
  }

  get status(): ClusterStatus {
    if (this.phase === 'running') return this.slots.every((slot) => slot.listening) ? 'ok' : 'error'
    return this.phase === 'starting' || this.phase === 'idle' ? 'not_ready' : 'error'
  }

  pids(): number[] {
    return this.live().flatMap((worker) => (worker.process.pid === undefined ? [] : [worker.process.pid]))
  }

  start(): Promise<void> {
    if (this.phase !== 'idle') return Promise.reject(new Error('the cluster was already started'))
    this.phase = 'starting'
    this.cluster.on('listening', this.onListening)
    this.cluster.on('exit', this.onExit)
    const ready = new Promise<void>((resolve, reject) => {
      this.startup = { resolve, reject }
    })
    this.log.info({ workers: this.count }, 'starting workers')
    for (const slot of this.slots) this.fork(slot)
    return ready
  }

  stop(): Promise<void> {
    if (this.stopped !== undefined) return this.stopped
    this.phase = 'stopping'
    for (const slot of this.slots) {
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer)
      slot.restartTimer = undefined
    }
    this.stopped = terminateWorkers(
      this.cluster,
      () => this.live(),
      this.log,
      this.stopTimeoutMs,
      () => {
        this.cluster.off('listening', this.onListening)
        this.cluster.off('exit', this.onExit)
        this.phase = 'stopped'
      },
    )
    return this.stopped
  }

  private live(): Worker[] {
    return this.slots.flatMap((slot) => (slot.worker === undefined ? [] : [slot.worker]))
  }

  private fork(slot: Slot): void {
    slot.restartTimer = undefined
    slot.listening = false
    slot.startedAt = Date.now()
    const worker = this.cluster.fork({ CLEARANCE_WORKER_INDEX: String(slot.index) })
    slot.worker = worker
    this.slotOf.set(worker.id, slot)
  }

  private readonly onListening = (worker: Worker, address: { address: string; port: number }): void => {
    const slot = this.slotOf.get(worker.id)
    if (slot === undefined || slot.worker !== worker) return
    slot.listening = true
    this.log.info({ worker: slot.index, pid: worker.process.pid, port: address.port }, 'worker listening')
    if (this.phase === 'starting' && this.slots.every((s) => s.listening)) {
      this.phase = 'running'
      this.log.info({ workers: this.count, port: address.port }, 'all workers listening')
      this.startup?.resolve()
      this.startup = undefined
    }
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const slot = this.slotOf.get(worker.id)
    this.slotOf.delete(worker.id)
    if (slot === undefined || slot.worker !== worker) return
    slot.worker = undefined
    const wasListening = slot.listening
    slot.listening = false
    if (this.phase === 'stopping' || this.phase === 'stopped') return
    if (this.phase === 'starting' && !wasListening) this.failStartup(slot, code, signal)
    else this.scheduleRestart(slot, worker, code, signal)
  }

  /** Same outcome as a single process failing start-up: the command fails, nothing keeps running. */
  private failStartup(slot: Slot, code: number | null, signal: string | null): void {
    const error = new ClearanceError(
      ErrorCodes.internalError,
      `worker ${slot.index} exited before it was ready (${signal ?? `exit code ${String(code)}`}); see its log above`,
    )
    const pending = this.startup
    this.startup = undefined
    void this.stop().then(() => pending?.reject(error))
  }

  private scheduleRestart(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    const livedMs = Date.now() - slot.startedAt
    // A worker that ran for a while gets replaced at once; one that keeps dying young waits longer each time.
    const delayMs = livedMs >= this.stableAfterMs ? this.baseDelayMs : slot.delayMs
    slot.delayMs = Math.min(this.maxDelayMs, delayMs * 2)
    this.log.error(
      { worker: slot.index, pid: worker.process.pid, code, signal, livedMs, restartInMs: delayMs },
      'worker died; replacing it',
    )
    // The delay also lets a stop that raced the death (Ctrl-C reaches every process of the group) cancel it.
    slot.restartTimer = setTimeout(() => this.fork(slot), delayMs)
  }
}

/**
 * SIGTERM to every live worker, SIGKILL to those still running after `stopTimeoutMs`; once none is left, calls
 * `done` and resolves.
 */
function terminateWorkers(
  cluster: Cluster,
  live: () => Worker[],
  log: Logger,
  stopTimeoutMs: number,
  done: () => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = (): void => {
      if (live().length > 0) return
      clearTimeout(killTimer)
      cluster.off('exit', finish)
      done()
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
}
