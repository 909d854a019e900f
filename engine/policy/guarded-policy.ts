// A policy.wasm evaluated on a small pool of worker threads under a time limit. The caller still gets a
// synchronous evaluate(): it hands the input over shared memory and blocks until the answer arrives or the limit
// passes. An evaluation past the limit is denied (evaluation_error) and its thread terminated, which stops the wasm
// wherever it is; a fresh thread is started in the background while the pool's other threads keep serving (only
// when none is left are evaluations denied). Fairness, per module: one runaway evaluation holds at most one thread
// for one limit; the same evaluation repeated is denied at once for a cool-down (overrun-breaker.ts); a client
// (its address) never holds every thread, and once one of its evaluations cost the module a thread (it overran,
// trapped or exhausted the instance's memory) it may use only the first thread, never the last live one, and after
// three it is denied until the cool-down ends. A caller looping slow or memory-hungry requests therefore cannot
// starve the module's other callers, nor keep its threads restarting.

import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, ErrorCodes } from '../errors.js'
import { spawnWorker, workerScriptUrl } from '../worker-script.js'
import {
  Control,
  createEvaluationChannel,
  type EvaluationChannel,
  MAX_BATCH,
  NOT_STARTED,
  readRecord,
  readText,
  Status,
  VIA_PORT,
  writeRecord,
} from './evaluation-channel.js'
import { evaluationPlaces } from './evaluation-places.js'
import type { EvaluationWorkerData, EvaluationWorkerReady } from './evaluation-worker.js'
import { createFuelGuard, type FuelGuard } from './fuel-guard.js'
import { addInlineSample, type InlineCost, newInlineCost } from './inline-cost.js'
import {
  defaultInlineOptions,
  type InlineOptions,
  type InlineSource,
  loadInlineSource,
} from './inline-policy.js'
import { evaluationFailure } from './opa-eval-errors.js'
import { createOverrunBreaker, type OverrunBreaker } from './overrun-breaker.js'
import {
  createWarmThreads,
  type EvaluationWorkerWarm,
  isWarmMessage,
  type WarmThreads,
} from './warm-threads.js'
import { FuelExhausted, isInstanceFailure, type WasmPolicy, type WasmPolicyOptions } from './wasm-policy.js'

/** A wasm policy that holds a thread, released by close(). */
export interface ClosablePolicy extends WasmPolicy {
  /**
   * Evaluates without blocking the calling thread: requests queue and the policy's thread answers them in
   * order, each under the time limit. Rejects with ClearanceError(evaluation_error).
   */
  evaluateAsync(entrypoint: number, input: Uint8Array | undefined, caller?: string): Promise<string>
  /** Threads of the pool ready to evaluate (the others are being replaced). */
  readyThreads(): number
  /** Stops the policy's threads; later evaluations are denied. */
  close(): void
}

const WORKER_URL = workerScriptUrl('./evaluation-worker', import.meta.url)

/** A worker and what it talks over; a replacement thread gets new ones, so a stopped thread can write nothing it reads. */
interface Thread {
  worker: Worker
  port: MessagePort
  channel: EvaluationChannel
}

/** `bytes` in shared memory, readable by every evaluation thread without another copy (as they are if already). */
export function shareBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
  shared.set(bytes)
  return shared
}

/** How a policy's threads start: the wasm options they load with, and where their workers come from. */
type ThreadOptions = WasmPolicyOptions & {
  /** Spare threads to take workers from (default: the process's own pool, created on first use). */
  warmThreads?: WarmThreads | undefined
}

let processWarmThreads: WarmThreads | undefined

/** The pool every guarded policy of the process shares unless given one. */
function defaultWarmThreads(): WarmThreads {
  processWarmThreads ??= createWarmThreads({ spawn: () => spawnWorker(WORKER_URL, {}) })
  return processWarmThreads
}

function startThread(
  wasm: Uint8Array,
  data: Uint8Array,
  options: ThreadOptions,
): Promise<{ thread: Thread; entrypoints: Map<string, number>; builtins: string[] }> {
  const { port1, port2 } = new MessageChannel()
  const channel = createEvaluationChannel()
  const init: EvaluationWorkerData = {
    wasm,
    data,
    channel: channel.buffer,
    port: port2,
    initialMemoryPages: options.initialMemoryPages,
    maxMemoryPages: options.maxMemoryPages,
    memoTable: options.memoTable,
  }
  let loaded: () => void = () => {}
  const pool = options.warmThreads ?? defaultWarmThreads()
  // A spare (or a new worker) gets its policy by message; the pool refills once this one has loaded it.
  const worker = pool.take(
    new Promise<void>((resolve) => {
      loaded = resolve
    }),
  )
  worker.postMessage(init, [port2])
  port1.unref()
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      loaded()
    }
    const fail = (message: string): void => {
      settle()
      // Termination may still report an error; the thread is gone for good and nothing should hear of it.
      worker.on('error', () => {})
      void worker.terminate()
      port1.close()
      reject(new ClearanceError(ErrorCodes.bundleError, message))
    }
    const onMessage = (message: EvaluationWorkerReady | EvaluationWorkerWarm): void => {
      // A spare taken before it finished its imports says it is warm first.
      if (isWarmMessage(message)) return
      if (!message.ok) {
        fail(message.message)
        return
      }
      settle()
      // Spares warm up on a module known to load (one that hangs or fails its load never primes a spare).
      pool.prime({ prime: wasm })
      // From here the policy watches the thread (GuardedPolicy.watch); an error must never reach the process.
      worker.on('error', () => {})
      resolve({
        thread: { worker, port: port1, channel },
        entrypoints: new Map(message.entrypoints),
        builtins: message.builtins,
      })
    }
    const onError = (error: Error): void => fail(`evaluation thread failed to start: ${error.message}`)
    const onExit = (exitCode: number): void =>
      fail(`evaluation thread exited during start-up (exit code ${exitCode})`)
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
}

// Node 20 has Atomics.waitAsync; TypeScript declares it only from the ES2024 library, which would also admit APIs
// Node 20 lacks.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> }
  }
).waitAsync

interface Pending {
  entrypoint: number
  input: Uint8Array | undefined
  /** Who asked (the client's address), for the per-caller limits; undefined for in-process callers. */
  caller: string | undefined
  resolve: (resultSet: string) => void
  reject: (error: ClearanceError) => void
}

/** Evaluations handed to a thread at once, in slot order, and the timer that holds each of them to the limit. */
interface Batch {
  thread: Thread
  pendings: Pending[]
  sentAt: number
  timer: NodeJS.Timeout | undefined
  /** Callers with evaluations in the batch. */
  callers: Set<string>
}

/** One evaluation thread of the pool, and the batch it is working on. */
interface Lane {
  thread: Thread | undefined
  /** Why this lane has no thread (being replaced), when it has none. */
  unavailable: string | undefined
  inFlight: Batch | undefined
}

/** How a batch ended early: the slot that overran or whose thread died, and what its caller is told. */
interface Stop {
  slot: number
  error: ClearanceError
  overran: boolean
}

const closedMessage = 'policy was closed'
/** Overruns within the cool-down after which a caller's evaluations are denied outright. */
const MAX_OVERRUNS = 3

export interface GuardOptions {
  timeoutMs: number
  /** Evaluation threads of the module (each its own instance); an overrun or a trap replaces only its own. */
  threads: number
  /** How long an evaluation that overran is denied without running again; 0 turns the breaker off. */
  overrunCooldownMs: number
}

class GuardedPolicy implements ClosablePolicy {
  private readonly lanes: Lane[]
  private closed = false
  /** Asynchronous evaluations waiting for a thread, in arrival order. */
  private queue: Pending[] = []
  private readonly breaker: OverrunBreaker
  private readonly timeoutMs: number
  /** Caller → lanes with evaluations of theirs in flight. */
  private readonly callerLanes = new Map<string, number>()
  /** Callers whose evaluations overran recently → how often, and until when they are held to the limits below. */
  private readonly probation = new Map<string, { until: number; overruns: number }>()
  private readonly cooldownMs: number
  private readonly fuelGuard: FuelGuard = createFuelGuard(DEFAULTS.inlineEvaluation)
  /** The serving thread's metered instance; undefined while a fresh one loads. */
  private inline: WasmPolicy | undefined
  private renewing = false
  /** Entrypoint → what its evaluations on the serving thread take (inlineCost). */
  private readonly inlineCosts = new Map<number, InlineCost>()
  private inlineSkipped = 0

  constructor(
    readonly entrypoints: ReadonlyMap<string, number>,
    readonly builtins: readonly string[],
    threads: readonly Thread[],
    private readonly wasm: Uint8Array,
    private readonly data: Uint8Array,
    private readonly options: ThreadOptions,
    guard: GuardOptions,
    /** The serving thread's metered instances (inline-policy.ts), when the module qualifies. */
    private readonly inlineSource: InlineSource | undefined,
  ) {
    this.inline = inlineSource?.first
    this.timeoutMs = guard.timeoutMs
    this.cooldownMs = guard.overrunCooldownMs
    this.breaker = createOverrunBreaker({ timeoutMs: guard.timeoutMs, cooldownMs: guard.overrunCooldownMs })
    this.lanes = threads.map((thread) => ({ thread, unavailable: undefined, inFlight: undefined }))
    for (const lane of this.lanes) this.watch(lane, lane.thread!)
  }

  evaluate(entrypoint: number, input: Uint8Array | undefined): string {
    try {
      this.refuseKnownOverrun(entrypoint, input)
      const inline = this.evaluateInline(entrypoint, input, undefined)
      if (typeof inline === 'string') return inline
      if (inline !== undefined) throw inline
      // An idle thread if there is one; otherwise the evaluation running on one finishes first (blocking, within
      // its limit).
      let lane = this.lanes.find(
        (candidate) => candidate.thread !== undefined && candidate.inFlight === undefined,
      )
      if (lane === undefined) {
        // Not the first thread while another is alive: clients on probation (likely runaways) run there.
        lane =
          this.lanes.find((candidate, index) => index > 0 && candidate.thread !== undefined) ??
          this.lanes.find((candidate) => candidate.thread !== undefined)
        if (lane !== undefined) {
          // Someone else's batch: the thread ends it after the evaluation it is on (the rest is queued again),
          // so this caller waits for one evaluation at most, within its limit.
          if (lane.inFlight !== undefined) Atomics.store(lane.inFlight.thread.channel.control, Control.cut, 1)
          this.block(lane)
          // Its thread stopped (the evaluation overran): any other idle thread will do.
          if (lane.thread === undefined) {
            lane = this.lanes.find(
              (candidate) => candidate.thread !== undefined && candidate.inFlight === undefined,
            )
          }
        }
      }
      const thread = lane?.thread
      if (lane === undefined || thread === undefined) throw this.unavailableError()
      let outcome: string | ClearanceError = this.unavailableError()
      const pending: Pending = {
        entrypoint,
        input,
        caller: undefined,
        resolve: (resultSet) => {
          outcome = resultSet
        },
        reject: (error) => {
          outcome = error
        },
      }
      this.start(lane, thread, [pending], false)
      this.block(lane)
      // A slot the thread never ran is queued again by conclude(); this caller is not waiting on the queue.
      this.queue = this.queue.filter((queued) => queued !== pending)
      if (typeof outcome === 'string') return outcome
      throw outcome
    } finally {
      // Whatever happened, evaluations queued meanwhile go on (or are denied) without waiting for another caller.
      if (this.queue.length > 0) queueMicrotask(() => this.pump())
    }
  }

  readyThreads(): number {
    return this.lanes.filter((lane) => lane.thread !== undefined).length
  }

  evaluateAsync(entrypoint: number, input: Uint8Array | undefined, caller?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      try {
        this.refuseKnownOverrun(entrypoint, input, caller)
      } catch (thrown) {
        reject(thrown as ClearanceError)
        return
      }
      const inline = this.evaluateInline(entrypoint, input, caller)
      if (typeof inline === 'string') resolve(inline)
      else if (inline !== undefined) reject(inline)
      else {
        this.queue.push({ entrypoint, input, caller, resolve, reject })
        this.pump()
      }
    })
  }

  /**
   * The answer from the serving thread's metered instance, or undefined when the evaluation is the threads' to
   * make: no such instance, the fuel guard says no, or the evaluation ran out of fuel (its work so far is
   * dropped). A trap drops the instance for good; the threads evaluate it again, under their guards.
   */
  private evaluateInline(
    entrypoint: number,
    input: Uint8Array | undefined,
    caller: string | undefined,
  ): string | ClearanceError | undefined {
    const inline = this.inline
    if (inline === undefined || this.closed || !this.fuelGuard.allows(caller)) return undefined
    let cost = this.inlineCosts.get(entrypoint)
    if (cost === undefined) {
      cost = newInlineCost()
      this.inlineCosts.set(entrypoint, cost)
    }
    if (cost.averageMicros > DEFAULTS.inlineEvaluation.cheapMicros && (++this.inlineSkipped & 63) !== 0) {
      // Costly: the threads evaluate it (one in 64 still runs here, to keep the average current).
      return undefined
    }
    const started = performance.now()
    try {
      const result = inline.evaluate(entrypoint, input)
      addInlineSample(cost, 1000 * (performance.now() - started))
      evaluationPlaces.servingThread++
      return result
    } catch (thrown) {
      const cause = thrown instanceof Error ? thrown.cause : undefined
      if (
        !(thrown instanceof FuelExhausted) &&
        !isInstanceFailure(cause) &&
        thrown instanceof ClearanceError
      ) {
        return thrown
      }
      // Stopped part-way: the threads evaluate it under their guards. Out of fuel, the instance serves on (OPA
      // starts its heap over on every evaluation, wasm-policy.ts puts the globals back); after a trap it is
      // replaced.
      this.fuelGuard.exhausted(caller)
      if (thrown instanceof FuelExhausted) {
        evaluationPlaces.fuelExhausted++
        // what it cost before it stopped counts: an entrypoint that keeps running out goes to the threads first
        addInlineSample(cost, 1000 * (performance.now() - started))
      }
      if (!(thrown instanceof FuelExhausted)) this.renewInline()
      return undefined
    }
  }

  /** Drops the serving thread's instance and loads a fresh one in the background (one at a time). */
  private renewInline(): void {
    this.inline = undefined
    const source = this.inlineSource
    if (source === undefined || this.renewing || this.closed) return
    this.renewing = true
    source.load().then(
      (fresh) => {
        this.renewing = false
        if (!this.closed) this.inline = fresh
      },
      () => {
        // Not loadable again: the threads evaluate everything.
        this.renewing = false
      },
    )
  }

  /** Why a queued evaluation is refused now (refuseKnownOverrun's error), or undefined. */
  private refusal(pending: Pending): ClearanceError | undefined {
    try {
      this.refuseKnownOverrun(pending.entrypoint, pending.input, pending.caller)
      return undefined
    } catch (thrown) {
      return thrown as ClearanceError
    }
  }

  private refuseKnownOverrun(entrypoint: number, input: Uint8Array | undefined, caller?: string): void {
    const refusal = this.breaker.refusal(entrypoint, input)
    if (refusal !== undefined) throw new ClearanceError(ErrorCodes.evaluationError, refusal)
    const record = caller === undefined ? undefined : this.probation.get(caller)
    if (record !== undefined && record.overruns >= MAX_OVERRUNS && record.until > performance.now()) {
      // Each overrun costs the module a thread restart; past a few, the caller's evaluations stop here.
      throw new ClearanceError(
        ErrorCodes.evaluationError,
        `${record.overruns} evaluations from this client ran past the ${this.timeoutMs} ms time limit or exhausted the policy's memory; its evaluations of this policy are denied for ${Math.round(this.cooldownMs / 1000)} s`,
      )
    }
  }

  /**
   * Hands queued evaluations to idle threads, a batch per thread: the oldest that may run now, and after it every
   * queued evaluation that may share its thread (up to MAX_BATCH). Per caller: no more than all threads but one at
   * once (another caller always finds one), and a caller whose evaluation overran within the cool-down runs alone,
   * on the first thread only, and only while another thread is alive: it can stop and replace that one thread,
   * never the last one. With no thread alive at all, queued evaluations are denied.
   */
  private pump(): void {
    while (this.queue.length > 0) {
      if (!this.lanes.some((lane) => lane.thread !== undefined)) {
        const denied = this.queue
        this.queue = []
        for (const pending of denied) pending.reject(this.unavailableError())
        return
      }
      let started = false
      for (let index = 0; index < this.queue.length; index++) {
        // Queued (or queued again) before an overrun or a client's third: refused now, as a new one would be.
        const refusal = this.refusal(this.queue[index]!)
        if (refusal !== undefined) {
          this.queue.splice(index--, 1)[0]!.reject(refusal)
          continue
        }
        const lane = this.laneFor(this.queue[index]!.caller)
        if (lane === 'none-idle') return
        if (lane === undefined) continue
        this.start(lane, lane.thread!, this.gather(index), true)
        started = true
        break
      }
      if (!started) return
    }
  }

  /** Takes the queued evaluation at `index` and those after it that may join its batch out of the queue. */
  private gather(index: number): Pending[] {
    const first = this.queue[index]!
    const batch = [first]
    const callers = new Set<string>()
    const alone = first.caller !== undefined && this.onProbation(first.caller)
    if (first.caller !== undefined) callers.add(first.caller)
    const kept = this.queue.slice(0, index)
    for (let at = index + 1; at < this.queue.length; at++) {
      const pending = this.queue[at]!
      if (
        !alone &&
        batch.length < MAX_BATCH &&
        this.mayJoin(pending.caller, callers) &&
        this.refusal(pending) === undefined
      ) {
        batch.push(pending)
        if (pending.caller !== undefined) callers.add(pending.caller)
      } else kept.push(pending)
    }
    this.queue = kept
    return batch
  }

  /** Whether a queued evaluation may join a batch that holds `callers`' evaluations (see laneFor). */
  private mayJoin(caller: string | undefined, callers: ReadonlySet<string>): boolean {
    if (caller === undefined) return true
    if (this.onProbation(caller)) return false
    return (
      callers.has(caller) ||
      this.lanes.length === 1 ||
      (this.callerLanes.get(caller) ?? 0) < this.lanes.length - 1
    )
  }

  private onProbation(caller: string): boolean {
    const record = this.probation.get(caller)
    if (record === undefined) return false
    if (record.until > performance.now()) return true
    this.probation.delete(caller)
    return false
  }

  /** An idle lane this caller may use now; undefined when it must wait; 'none-idle' when no lane is idle. */
  private laneFor(caller: string | undefined): Lane | undefined | 'none-idle' {
    const idle = (lane: Lane): boolean => lane.thread !== undefined && lane.inFlight === undefined
    if (!this.lanes.some(idle)) return 'none-idle'
    if (caller === undefined || this.lanes.length === 1) return this.lanes.find(idle)
    if ((this.callerLanes.get(caller) ?? 0) >= this.lanes.length - 1) return undefined
    if (this.onProbation(caller)) {
      // On probation: the first thread only, and only while another thread is alive to serve everyone else.
      const others = this.lanes.some((lane, index) => index > 0 && lane.thread !== undefined)
      return others && idle(this.lanes[0]!) ? this.lanes[0] : undefined
    }
    // Callers in good standing leave the first thread to those on probation when another is idle.
    return this.lanes.find((lane, index) => index > 0 && idle(lane)) ?? this.lanes.find(idle)
  }

  /**
   * Hands `pendings` to the lane's thread. An asynchronous batch is settled when the thread answers (waitAsync) and
   * held to the time limit by a timer; a synchronous caller blocks on it instead (block()).
   */
  private start(lane: Lane, thread: Thread, pendings: Pending[], asynchronous: boolean): void {
    const callers = new Set<string>()
    for (const { caller } of pendings) {
      if (caller === undefined || callers.has(caller)) continue
      callers.add(caller)
      this.callerLanes.set(caller, (this.callerLanes.get(caller) ?? 0) + 1)
    }
    this.send(thread, pendings)
    const batch: Batch = { thread, pendings, sentAt: performance.now(), timer: undefined, callers }
    lane.inFlight = batch
    if (!asynchronous) return
    // The timer holds the event loop open (a pending waitAsync does not) and enforces the limit.
    batch.timer = setTimeout(() => this.check(lane, batch), this.timeoutMs)
    const waiting = waitAsync(thread.channel.control, Control.response, 0)
    const settle = (): void => {
      // Only a batch still in flight is read; one already concluded another way reads nothing.
      if (lane.inFlight !== batch) return
      this.conclude(lane, batch)
      this.pump()
    }
    if (waiting.async) void waiting.value.then(settle)
    else queueMicrotask(settle)
  }

  /** The batch's timer: concludes it if the evaluation running now has passed the limit, else waits for that. */
  private check(lane: Lane, batch: Batch): void {
    if (lane.inFlight !== batch) return
    const stop = this.overdue(batch)
    if (stop === undefined && Atomics.load(batch.thread.channel.control, Control.response) !== 1) {
      batch.timer = setTimeout(() => this.check(lane, batch), this.remainingMs(batch))
      return
    }
    this.conclude(lane, batch, stop)
    this.pump()
  }

  /** Blocks until the lane's batch is answered, each evaluation within its own limit, and concludes it. */
  private block(lane: Lane): void {
    const batch = lane.inFlight
    if (batch === undefined) return
    const control = batch.thread.channel.control
    for (;;) {
      const waitMs = this.remainingMs(batch)
      if (Atomics.wait(control, Control.response, 0, Math.max(0, waitMs)) !== 'timed-out') break
      const stop = this.overdue(batch)
      if (stop !== undefined) {
        this.conclude(lane, batch, stop)
        return
      }
    }
    this.conclude(lane, batch)
  }

  /**
   * The slot running now, if it has passed the limit (and the batch is still running); measured from when the
   * thread started it (published in the channel), or for a batch the thread has not taken yet, from the hand-over.
   */
  private overdue(batch: Batch): Stop | undefined {
    const { control } = batch.thread.channel
    if (Atomics.load(control, Control.response) === 1) return undefined
    const slot = Atomics.load(control, Control.done)
    if (this.remainingMs(batch) > 0 || Atomics.load(control, Control.done) !== slot) return undefined
    if (Atomics.load(control, Control.response) === 1 || slot >= batch.pendings.length) return undefined
    return {
      slot,
      overran: true,
      error: new ClearanceError(
        ErrorCodes.evaluationError,
        `evaluation exceeded the ${this.timeoutMs} ms time limit and was stopped`,
      ),
    }
  }

  /** Milliseconds left to the evaluation running now on the batch's thread. */
  private remainingMs(batch: Batch): number {
    const { control, starts } = batch.thread.channel
    const slot = Atomics.load(control, Control.done)
    if (slot >= batch.pendings.length) return this.timeoutMs
    const startedUs = Atomics.load(starts, slot)
    const now = performance.now()
    // Not started: the thread has not taken the batch (counted from the hand-over), or is between two slots.
    // The thread's own time of taking the batch (same clock, from each thread's time origin), else the hand-over.
    const takenAt = batch.thread.channel.takenAt[0]!
    const taken = takenAt > 0 ? takenAt - performance.timeOrigin : batch.sentAt
    const startedAt = startedUs !== NOT_STARTED ? taken + startedUs / 1000 : slot === 0 ? batch.sentAt : now
    return startedAt + this.timeoutMs - now
  }

  /**
   * Settles a batch: every answered slot with its answer; a slot stopped (overran, or its thread died) with the
   * stop's error; the slots the thread never ran go back to the front of the queue. A trap or an overrun costs the
   * module the thread: it is replaced, and the caller that cost it is put on probation.
   */
  private conclude(lane: Lane, batch: Batch, stop?: Stop): void {
    if (lane.inFlight !== batch) return
    clearTimeout(batch.timer)
    lane.inFlight = undefined
    for (const caller of batch.callers) {
      const count = (this.callerLanes.get(caller) ?? 1) - 1
      if (count <= 0) this.callerLanes.delete(caller)
      else this.callerLanes.set(caller, count)
    }
    const { thread, pendings } = batch
    const answered = Math.min(
      stop?.slot ?? Atomics.load(thread.channel.control, Control.done),
      pendings.length,
    )
    const received = this.receive(thread, answered)
    // A batch the thread could not read ran nothing: all of it is queued again on a fresh thread.
    const lost = received.findIndex((outcome) => outcome.status === Status.lost)
    const outcomes = lost >= 0 ? received.slice(0, lost) : received
    if (lost >= 0) this.replaceThread(lane, thread, 'the thread could not read its input')
    const trapped = outcomes.findIndex((outcome) => outcome.status === Status.trap)
    const stopped = stop !== undefined && stop.slot < pendings.length ? stop : undefined
    if (stopped?.overran) {
      const pending = pendings[stopped.slot]!
      this.breaker.record(pending.entrypoint, pending.input)
      this.probate(pending.caller)
      this.replaceThread(lane, thread, `an evaluation ran past the ${this.timeoutMs} ms limit`)
    }
    if (trapped >= 0) {
      // A trap or an exhausted allocator cost the module this thread, as an overrun does: same probation. A
      // trapped or memory-exhausted instance may have grown its memory to the ceiling; a fresh thread gives all
      // of it back, where a fresh instance on the same thread would leave it to a garbage collection that, on a
      // thread blocked between requests, may not come.
      this.probate(pendings[trapped]!.caller)
      this.replaceThread(lane, thread, 'an evaluation trapped or ran out of memory')
    }
    const rerun = pendings.slice(stopped === undefined ? outcomes.length : stopped.slot + 1)
    if (rerun.length > 0) this.queue = [...rerun, ...this.queue]
    outcomes.forEach((outcome, slot) => {
      const pending = pendings[slot]!
      if (outcome.status === Status.ok) pending.resolve(outcome.text)
      else if (outcome.status === Status.trap) {
        pending.reject(evaluationFailure(outcome.text, { cause: new WebAssembly.RuntimeError(outcome.text) }))
      } else if (outcome.status === Status.error) pending.reject(evaluationFailure(outcome.text))
      else pending.reject(new ClearanceError(ErrorCodes.internalError, outcome.text))
    })
    if (stopped !== undefined) pendings[stopped.slot]!.reject(stopped.error)
  }

  private unavailableError(): ClearanceError {
    if (this.closed) return new ClearanceError(ErrorCodes.evaluationError, closedMessage)
    const reason = this.lanes.find((lane) => lane.unavailable !== undefined)?.unavailable
    return new ClearanceError(ErrorCodes.evaluationError, reason ?? 'policy is not available')
  }

  private send(thread: Thread, pendings: readonly Pending[]): void {
    evaluationPlaces.evaluationThreads += pendings.length
    const { control, starts } = thread.channel
    let offset = 0
    pendings.forEach((pending, slot) => {
      starts[slot] = NOT_STARTED
      const written = writeRecord(thread.channel, offset, pending.entrypoint, pending.input)
      if (written.viaPort) thread.port.postMessage(pending.input)
      offset = written.next
    })
    control[Control.count] = pendings.length
    thread.channel.takenAt[0] = 0
    Atomics.store(control, Control.cut, 0)
    Atomics.store(control, Control.done, 0)
    Atomics.store(control, Control.response, 0)
    Atomics.store(control, Control.request, 1)
    Atomics.notify(control, Control.request)
  }

  /** The first `answered` results of the thread's batch, in slot order (status -1: the answer went missing). */
  private receive(thread: Thread, answered: number): Array<{ status: number; text: string }> {
    const outcomes: Array<{ status: number; text: string }> = []
    let offset = 0
    for (let slot = 0; slot < answered; slot++) {
      const record = readRecord(thread.channel, offset)
      offset = record.next
      if (record.length !== VIA_PORT) {
        outcomes.push({ status: record.first, text: readText(thread.channel, record.start, record.length) })
        continue
      }
      const message = receiveMessageOnPort(thread.port)?.message
      outcomes.push(
        typeof message === 'string'
          ? { status: record.first, text: message }
          : { status: -1, text: 'evaluation thread answer went missing' },
      )
    }
    return outcomes
  }

  /** Puts a caller whose evaluation cost the module a thread on probation (see laneFor), or extends it. */
  private probate(caller: string | undefined): void {
    if (caller === undefined || this.cooldownMs <= 0) return
    const previous = this.probation.get(caller)
    const overruns = previous !== undefined && previous.until > performance.now() ? previous.overruns + 1 : 1
    this.probation.delete(caller)
    this.probation.set(caller, { until: performance.now() + this.cooldownMs, overruns })
    if (this.probation.size > 10_000) this.probation.delete(this.probation.keys().next().value!)
  }

  close(): void {
    this.closed = true
    for (const lane of this.lanes) {
      lane.unavailable = closedMessage
      this.stopThread(lane)
      const batch = lane.inFlight
      if (batch !== undefined) {
        this.conclude(lane, batch, { slot: 0, overran: false, error: this.unavailableError() })
        // Nothing is run again after close: the slots after the first are denied too.
      }
    }
    this.pump()
  }

  private stopThread(lane: Lane): void {
    const thread = lane.thread
    lane.thread = undefined
    if (thread === undefined) return
    thread.port.close()
    void thread.worker.terminate()
    // Releases a waitAsync still on the stopped thread's channel (and what it holds): nothing else will notify it.
    Atomics.store(thread.channel.control, Control.response, 1)
    Atomics.notify(thread.channel.control, Control.response)
  }

  /** Stops `thread` if it is still the lane's, and starts its replacement in the background. */
  private replaceThread(lane: Lane, thread: Thread, reason: string): void {
    if (lane.thread !== thread) return
    this.stopThread(lane)
    if (!this.closed) this.respawn(lane, reason, 1)
  }

  private respawn(lane: Lane, reason: string, attempt: number): void {
    lane.unavailable = `policy instance is being replaced (${reason}); decisions are denied until it is ready`
    startThread(this.wasm, this.data, this.options).then(
      ({ thread }) => {
        if (this.closed) {
          thread.port.close()
          void thread.worker.terminate()
          return
        }
        lane.thread = thread
        lane.unavailable = undefined
        this.watch(lane, thread)
        this.pump()
      },
      (error: unknown) => {
        if (this.closed) return
        lane.unavailable = `policy instance could not be replaced: ${String(error)}; retrying`
        const delayMs = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7))
        setTimeout(() => {
          if (!this.closed) this.respawn(lane, reason, attempt + 1)
        }, delayMs).unref()
      },
    )
  }

  /** A thread that dies on its own (out of memory, a crash) is replaced; the evaluation running on it is denied. */
  private watch(lane: Lane, thread: Thread): void {
    thread.worker.once('exit', (exitCode) => {
      if (lane.thread !== thread) return
      const reason = `the evaluation thread exited (exit code ${exitCode})`
      const batch = lane.inFlight
      if (batch !== undefined) {
        const slot = Atomics.load(thread.channel.control, Control.done)
        this.conclude(lane, batch, {
          slot,
          overran: false,
          error: new ClearanceError(ErrorCodes.evaluationError, reason),
        })
      }
      this.replaceThread(lane, thread, reason)
      this.pump()
    })
  }
}

/** The threads a module gets: as asked, or for `auto` two, and one when its data is large (DEFAULTS.evalThreads). */
export function evaluationThreadsFor(threads: number | 'auto', dataBytes: number): number {
  if (threads !== 'auto') return threads
  const { threads: usual, singleFromDataBytes } = DEFAULTS.evalThreadsAuto
  return dataBytes >= singleFromDataBytes ? 1 : usual
}

/**
 * Like loadWasmPolicy, but the instance lives on a worker thread and every evaluation is stopped after
 * `timeoutMs`. Host builtins are Clearance's defaults (functions cannot cross threads). Throws
 * ClearanceError(bundle_error) for a module that is not a usable OPA policy.
 */
export async function loadGuardedWasmPolicy(
  wasm: Uint8Array,
  data: Uint8Array,
  options: ThreadOptions & {
    timeoutMs: number
    threads?: number | 'auto'
    overrunCooldownMs?: number
    /** Evaluation on the serving thread (DEFAULTS.inlineEvaluation); `{ fuel: 0 }` evaluates on the threads only. */
    inline?: Partial<InlineOptions>
  },
): Promise<ClosablePolicy> {
  if (options.builtins !== undefined) {
    throw new ClearanceError(
      ErrorCodes.configError,
      'custom builtins cannot be used with an evaluation time limit (they cannot cross to the evaluation thread)',
    )
  }
  const {
    timeoutMs,
    threads: threadsOption = DEFAULTS.evalThreads,
    overrunCooldownMs = DEFAULTS.overrunCooldownMs,
    inline: inlineOptions,
    ...wasmOptions
  } = options
  const threads = evaluationThreadsFor(threadsOption, data.byteLength)
  const sharedWasm = shareBytes(wasm)
  const sharedData = shareBytes(data)
  const started = await Promise.allSettled(
    Array.from({ length: Math.max(1, threads) }, () => startThread(sharedWasm, sharedData, wasmOptions)),
  )
  const failed = started.find((outcome) => outcome.status === 'rejected')
  if (failed !== undefined) {
    for (const outcome of started) {
      if (outcome.status === 'fulfilled') {
        outcome.value.thread.port.close()
        void outcome.value.thread.worker.terminate()
      }
    }
    throw failed.reason
  }
  const ready = started.map(
    (outcome) => (outcome as PromiseFulfilledResult<Awaited<ReturnType<typeof startThread>>>).value,
  )
  const inline = await loadInlineSource(sharedWasm, sharedData, ready[0]!.builtins, {
    ...wasmOptions,
    ...defaultInlineOptions,
    ...inlineOptions,
  })
  return new GuardedPolicy(
    ready[0]!.entrypoints,
    ready[0]!.builtins,
    ready.map(({ thread }) => thread),
    sharedWasm,
    sharedData,
    wasmOptions,
    { timeoutMs, threads: ready.length, overrunCooldownMs },
    inline,
  )
}
