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
  NO_INPUT,
  readText,
  Status,
  VIA_PORT,
} from './evaluation-channel.js'
import type { EvaluationWorkerData, EvaluationWorkerReady } from './evaluation-worker.js'
import { evaluationFailure } from './opa-eval-errors.js'
import { createOverrunBreaker, type OverrunBreaker } from './overrun-breaker.js'
import {
  createWarmThreads,
  type EvaluationWorkerWarm,
  isWarmMessage,
  type WarmThreads,
} from './warm-threads.js'
import type { WasmPolicy, WasmPolicyOptions } from './wasm-policy.js'

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

/** One evaluation thread of the pool, and the asynchronous evaluation it is working on. */
interface Lane {
  thread: Thread | undefined
  /** Why this lane has no thread (being replaced), when it has none. */
  unavailable: string | undefined
  inFlight: { pending: Pending; timer: NodeJS.Timeout; deadline: number } | undefined
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
  private readonly queue: Pending[] = []
  private readonly breaker: OverrunBreaker
  private readonly timeoutMs: number
  /** Caller → evaluations of theirs on a thread right now. */
  private readonly callerInFlight = new Map<string, number>()
  /** Callers whose evaluations overran recently → how often, and until when they are held to the limits below. */
  private readonly probation = new Map<string, { until: number; overruns: number }>()
  private readonly cooldownMs: number

  constructor(
    readonly entrypoints: ReadonlyMap<string, number>,
    readonly builtins: readonly string[],
    threads: readonly Thread[],
    private readonly wasm: Uint8Array,
    private readonly data: Uint8Array,
    private readonly options: ThreadOptions,
    guard: GuardOptions,
  ) {
    this.timeoutMs = guard.timeoutMs
    this.cooldownMs = guard.overrunCooldownMs
    this.breaker = createOverrunBreaker({ timeoutMs: guard.timeoutMs, cooldownMs: guard.overrunCooldownMs })
    this.lanes = threads.map((thread) => ({ thread, unavailable: undefined, inFlight: undefined }))
    for (const lane of this.lanes) this.watch(lane, lane.thread!)
  }

  evaluate(entrypoint: number, input: Uint8Array | undefined): string {
    try {
      this.refuseKnownOverrun(entrypoint, input)
      // An idle thread if there is one; otherwise the asynchronous evaluation on one finishes first (blocking,
      // within its own limit).
      let lane = this.lanes.find(
        (candidate) => candidate.thread !== undefined && candidate.inFlight === undefined,
      )
      if (lane === undefined) {
        lane = this.lanes.find((candidate) => candidate.thread !== undefined)
        if (lane !== undefined) this.drainInFlight(lane)
      }
      const thread = lane?.thread
      if (lane === undefined || thread === undefined) throw this.unavailableError()
      this.send(thread, entrypoint, input)
      const result = this.await(lane, thread, this.timeoutMs, entrypoint, input)
      if (typeof result === 'string') return result
      throw result
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
      this.queue.push({ entrypoint, input, caller, resolve, reject })
      this.pump()
    })
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
   * Hands queued evaluations to idle threads, oldest first among those that may run now; with no thread alive at
   * all, denies them. Per caller: no more than all threads but one at once (another caller always finds one), and
   * a caller whose evaluation overran within the cool-down runs on the first thread only, and only while another
   * thread is alive: it can stop and replace that one thread, never the last one.
   */
  private pump(): void {
    if (this.queue.length === 0) return
    if (!this.lanes.some((lane) => lane.thread !== undefined)) {
      for (const pending of this.queue.splice(0)) pending.reject(this.unavailableError())
      return
    }
    for (let index = 0; index < this.queue.length; ) {
      const pending = this.queue[index]!
      const lane = this.laneFor(pending.caller)
      if (lane === 'none-idle') return
      if (lane === undefined) {
        index++
        continue
      }
      this.queue.splice(index, 1)
      this.start(lane, lane.thread!, pending)
    }
  }

  /** An idle lane this caller may use now; undefined when it must wait; 'none-idle' when no lane is idle. */
  private laneFor(caller: string | undefined): Lane | undefined | 'none-idle' {
    const idle = (lane: Lane): boolean => lane.thread !== undefined && lane.inFlight === undefined
    if (!this.lanes.some(idle)) return 'none-idle'
    if (caller === undefined || this.lanes.length === 1) return this.lanes.find(idle)
    if ((this.callerInFlight.get(caller) ?? 0) >= this.lanes.length - 1) return undefined
    const record = this.probation.get(caller)
    if (record !== undefined) {
      // On probation: the first thread only, and only while another thread is alive to serve everyone else.
      if (record.until > performance.now()) {
        const others = this.lanes.some((lane, index) => index > 0 && lane.thread !== undefined)
        return others && idle(this.lanes[0]!) ? this.lanes[0] : undefined
      }
      this.probation.delete(caller)
    }
    // Callers in good standing leave the first thread to those on probation when another is idle.
    return this.lanes.find((lane, index) => index > 0 && idle(lane)) ?? this.lanes.find(idle)
  }

  private start(lane: Lane, thread: Thread, pending: Pending): void {
    if (pending.caller !== undefined) {
      this.callerInFlight.set(pending.caller, (this.callerInFlight.get(pending.caller) ?? 0) + 1)
    }
    this.send(thread, pending.entrypoint, pending.input)
    // The timer holds the event loop open (a pending waitAsync does not) and enforces the limit.
    const timer = setTimeout(
      () => this.settleInFlight(lane, pending, this.overrun(lane, pending)),
      this.timeoutMs,
    )
    lane.inFlight = { pending, timer, deadline: performance.now() + this.timeoutMs }
    const waiting = waitAsync(thread.channel.control, Control.response, 0)
    const settle = (): void => {
      // Only the evaluation still waiting reads the answer; one already settled another way reads nothing.
      if (lane.inFlight?.pending === pending && lane.thread === thread) {
        const result = this.receive(lane, thread)
        // A trap or an exhausted allocator cost the module this thread, as an overrun does: same probation.
        if (lane.thread !== thread) this.probate(pending.caller)
        this.settleInFlight(lane, pending, result)
      }
    }
    if (waiting.async) void waiting.value.then(settle)
    else queueMicrotask(settle)
  }

  private settleInFlight(lane: Lane, pending: Pending, result: string | ClearanceError): void {
    // Already settled by the timer, by a synchronous caller draining it, or by close().
    if (lane.inFlight?.pending !== pending) return
    this.finishInFlight(lane, result)
    this.pump()
  }

  /** Blocks until the lane's in-flight evaluation answers (within what is left of its limit) and settles it. */
  private drainInFlight(lane: Lane): void {
    const inFlight = lane.inFlight
    if (inFlight === undefined) return
    const thread = lane.thread
    const { entrypoint, input } = inFlight.pending
    this.finishInFlight(
      lane,
      thread === undefined
        ? this.unavailableError()
        : this.await(lane, thread, Math.max(0, inFlight.deadline - performance.now()), entrypoint, input),
    )
  }

  private finishInFlight(lane: Lane, result: string | ClearanceError): void {
    const inFlight = lane.inFlight
    if (inFlight === undefined) return
    clearTimeout(inFlight.timer)
    lane.inFlight = undefined
    const caller = inFlight.pending.caller
    if (caller !== undefined) {
      const count = (this.callerInFlight.get(caller) ?? 1) - 1
      if (count <= 0) this.callerInFlight.delete(caller)
      else this.callerInFlight.set(caller, count)
    }
    if (typeof result === 'string') inFlight.pending.resolve(result)
    else inFlight.pending.reject(result)
  }

  /** Blocks until the thread answers the request just sent, or the limit passes (then the thread is replaced). */
  private await(
    lane: Lane,
    thread: Thread,
    timeoutMs: number,
    entrypoint: number,
    input: Uint8Array | undefined,
  ): string | ClearanceError {
    const timedOut = Atomics.wait(thread.channel.control, Control.response, 0, timeoutMs) === 'timed-out'
    return timedOut ? this.overrun(lane, { entrypoint, input }) : this.receive(lane, thread)
  }

  private unavailableError(): ClearanceError {
    if (this.closed) return new ClearanceError(ErrorCodes.evaluationError, closedMessage)
    const reason = this.lanes.find((lane) => lane.unavailable !== undefined)?.unavailable
    return new ClearanceError(ErrorCodes.evaluationError, reason ?? 'policy is not available')
  }

  private send(thread: Thread, entrypoint: number, input: Uint8Array | undefined): void {
    const { control, bytes } = thread.channel
    control[Control.entrypoint] = entrypoint
    if (input === undefined) control[Control.inputLength] = NO_INPUT
    else if (input.byteLength <= bytes.byteLength) {
      bytes.set(input)
      control[Control.inputLength] = input.byteLength
    } else {
      thread.port.postMessage(input)
      control[Control.inputLength] = VIA_PORT
    }
    Atomics.store(control, Control.response, 0)
    Atomics.store(control, Control.request, 1)
    Atomics.notify(control, Control.request)
  }

  private receive(lane: Lane, thread: Thread): string | ClearanceError {
    const { control } = thread.channel
    const length = control[Control.resultLength]!
    let text: string
    if (length === VIA_PORT) {
      const message = receiveMessageOnPort(thread.port)?.message
      if (typeof message !== 'string') {
        return new ClearanceError(ErrorCodes.internalError, 'evaluation thread answer went missing')
      }
      text = message
    } else text = readText(thread.channel, length)
    const status = control[Control.status]
    if (status === Status.ok) return text
    if (status === Status.trap) {
      // A trapped or memory-exhausted instance may have grown its memory to the ceiling; a fresh thread gives all
      // of it back, where a fresh instance on the same thread would leave it to a garbage collection that, on a
      // thread blocked between requests, may not come.
      this.replaceThread(lane, 'an evaluation trapped or ran out of memory')
      return evaluationFailure(text, { cause: new WebAssembly.RuntimeError(text) })
    }
    return evaluationFailure(text)
  }

  private overrun(
    lane: Lane,
    pending: Pick<Pending, 'entrypoint' | 'input'> & { caller?: string | undefined },
  ): ClearanceError {
    this.breaker.record(pending.entrypoint, pending.input)
    this.probate(pending.caller)
    this.replaceThread(lane, `an evaluation ran past the ${this.timeoutMs} ms limit`)
    return new ClearanceError(
      ErrorCodes.evaluationError,
      `evaluation exceeded the ${this.timeoutMs} ms time limit and was stopped`,
    )
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
      if (lane.inFlight !== undefined)
        this.settleInFlight(lane, lane.inFlight.pending, this.unavailableError())
    }
    this.pump()
  }

  private stopThread(lane: Lane): void {
    const thread = lane.thread
    lane.thread = undefined
    if (thread === undefined) return
    thread.port.close()
    void thread.worker.terminate()
  }

  private replaceThread(lane: Lane, reason: string, attempt = 1): void {
    this.stopThread(lane)
    if (this.closed) return
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
          if (!this.closed) this.replaceThread(lane, reason, attempt + 1)
        }, delayMs).unref()
      },
    )
  }

  /** A thread that dies on its own (out of memory, a crash) is replaced; an evaluation on it is denied. */
  private watch(lane: Lane, thread: Thread): void {
    thread.worker.once('exit', (exitCode) => {
      if (lane.thread !== thread) return
      const reason = `the evaluation thread exited (exit code ${exitCode})`
      this.replaceThread(lane, reason)
      if (lane.inFlight !== undefined) {
        this.settleInFlight(
          lane,
          lane.inFlight.pending,
          new ClearanceError(ErrorCodes.evaluationError, reason),
        )
      }
    })
  }
}

/**
 * Like loadWasmPolicy, but the instance lives on a worker thread and every evaluation is stopped after
 * `timeoutMs`. Host builtins are Clearance's defaults (functions cannot cross threads). Throws
 * ClearanceError(bundle_error) for a module that is not a usable OPA policy.
 */
export async function loadGuardedWasmPolicy(
  wasm: Uint8Array,
  data: Uint8Array,
  options: ThreadOptions & { timeoutMs: number; threads?: number; overrunCooldownMs?: number },
): Promise<ClosablePolicy> {
  if (options.builtins !== undefined) {
    throw new ClearanceError(
      ErrorCodes.configError,
      'custom builtins cannot be used with an evaluation time limit (they cannot cross to the evaluation thread)',
    )
  }
  const {
    timeoutMs,
    threads = DEFAULTS.evalThreads,
    overrunCooldownMs = DEFAULTS.overrunCooldownMs,
    ...wasmOptions
  } = options
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
  return new GuardedPolicy(
    ready[0]!.entrypoints,
    ready[0]!.builtins,
    ready.map(({ thread }) => thread),
    sharedWasm,
    sharedData,
    wasmOptions,
    { timeoutMs, threads: ready.length, overrunCooldownMs },
  )
}
