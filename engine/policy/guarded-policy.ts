// A policy.wasm evaluated on its own worker thread under a time limit. The caller still gets a synchronous
// evaluate(): it hands the input over shared memory and blocks until the answer arrives or the limit passes. An
// evaluation past the limit is denied (evaluation_error) and its thread terminated, which stops the wasm wherever
// it is; a fresh instance is started in the background, and until it is ready evaluations are denied too.

import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
  type WorkerOptions,
} from 'node:worker_threads'
import { ClearanceError, ErrorCodes } from '../errors.js'
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
import type { WasmPolicy, WasmPolicyOptions } from './wasm-policy.js'

/** A wasm policy that holds a thread, released by close(). */
export interface ClosablePolicy extends WasmPolicy {
  /**
   * Evaluates without blocking the calling thread: requests queue and the policy's thread answers them in
   * order, each under the time limit. Rejects with ClearanceError(evaluation_error).
   */
  evaluateAsync(entrypoint: number, input: Uint8Array | undefined): Promise<string>
  /** Stops the policy's thread; later evaluations are denied. */
  close(): void
}

// From dist the worker is plain JavaScript. Run from TypeScript sources (tests, tsx) it is started through a small
// script that registers tsx's loader in the worker first (loader flags given in execArgv do not reach workers).
const fromSources = import.meta.url.endsWith('.ts')
const WORKER_URL = new URL(`./evaluation-worker.${fromSources ? 'ts' : 'js'}`, import.meta.url)

function spawnWorker(options: WorkerOptions): Worker {
  if (!fromSources) return new Worker(WORKER_URL, options)
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  )
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}

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

function startThread(
  wasm: Uint8Array,
  data: Uint8Array,
  options: WasmPolicyOptions,
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
  const worker = spawnWorker({ workerData: init, transferList: [port2] })
  worker.unref()
  port1.unref()
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => {
      void worker.terminate()
      port1.close()
      reject(new ClearanceError(ErrorCodes.bundleError, message))
    }
    worker.once('message', (ready: EvaluationWorkerReady) => {
      worker.removeAllListeners('error')
      worker.removeAllListeners('exit')
      if (!ready.ok) return fail(ready.message)
      // From here the policy watches the thread (GuardedPolicy.watch); an error must never reach the process.
      worker.on('error', () => {})
      resolve({
        thread: { worker, port: port1, channel },
        entrypoints: new Map(ready.entrypoints),
        builtins: ready.builtins,
      })
    })
    worker.once('error', (error) => fail(`evaluation thread failed to start: ${error.message}`))
    worker.once('exit', (exitCode) =>
      fail(`evaluation thread exited during start-up (exit code ${exitCode})`),
    )
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
  resolve: (resultSet: string) => void
  reject: (error: ClearanceError) => void
}

const closedMessage = 'policy was closed'

class GuardedPolicy implements ClosablePolicy {
  private thread: Thread | undefined
  /** Why evaluations are denied right now, when the thread is being replaced or the policy is closed. */
  private unavailable: string | undefined
  /** Asynchronous evaluations waiting for the thread, in arrival order. */
  private readonly queue: Pending[] = []
  /** The asynchronous evaluation the thread is working on, with its timer. */
  private inFlight: { pending: Pending; timer: NodeJS.Timeout; deadline: number } | undefined

  constructor(
    readonly entrypoints: ReadonlyMap<string, number>,
    readonly builtins: readonly string[],
    thread: Thread,
    private readonly wasm: Uint8Array,
    private readonly data: Uint8Array,
    private readonly options: WasmPolicyOptions,
    private readonly timeoutMs: number,
  ) {
    this.thread = thread
    this.watch(thread)
  }

  evaluate(entrypoint: number, input: Uint8Array | undefined): string {
    try {
      // An asynchronous evaluation on the thread finishes first (blocking, within its own limit).
      if (this.inFlight !== undefined) this.drainInFlight()
      const thread = this.available()
      this.send(thread, entrypoint, input)
      const result = this.await(thread, this.timeoutMs)
      if (typeof result === 'string') return result
      throw result
    } finally {
      // Whatever happened, evaluations queued meanwhile go on (or are denied) without waiting for another caller.
      if (this.queue.length > 0) queueMicrotask(() => this.pump())
    }
  }

  evaluateAsync(entrypoint: number, input: Uint8Array | undefined): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entrypoint, input, resolve, reject })
      if (this.inFlight === undefined) this.pump()
    })
  }

  /** Starts the next queued evaluation; the thread answers one at a time. */
  private pump(): void {
    while (this.inFlight === undefined) {
      const pending = this.queue.shift()
      if (pending === undefined) return
      const thread = this.thread
      if (thread === undefined) {
        pending.reject(this.unavailableError())
        continue
      }
      this.send(thread, pending.entrypoint, pending.input)
      // The timer holds the event loop open (a pending waitAsync does not) and enforces the limit.
      const timer = setTimeout(() => this.settleInFlight(pending, this.overrun()), this.timeoutMs)
      this.inFlight = { pending, timer, deadline: performance.now() + this.timeoutMs }
      const waiting = waitAsync(thread.channel.control, Control.response, 0)
      const settle = (): void => {
        // Only the evaluation still waiting reads the answer; one already settled another way reads nothing.
        if (this.inFlight?.pending === pending) this.settleInFlight(pending, this.receive(thread))
      }
      if (waiting.async) void waiting.value.then(settle)
      else queueMicrotask(settle)
    }
  }

  private settleInFlight(pending: Pending, result: string | ClearanceError): void {
    // Already settled by the timer, by a synchronous caller draining it, or by close().
    if (this.inFlight?.pending !== pending) return
    this.finishInFlight(result)
    this.pump()
  }

  /** Blocks until the in-flight evaluation answers (within what is left of its limit) and settles it. */
  private drainInFlight(): void {
    const inFlight = this.inFlight
    if (inFlight === undefined) return
    const thread = this.thread
    this.finishInFlight(
      thread === undefined
        ? this.unavailableError()
        : this.await(thread, Math.max(0, inFlight.deadline - performance.now())),
    )
  }

  private finishInFlight(result: string | ClearanceError): void {
    const inFlight = this.inFlight
    if (inFlight === undefined) return
    clearTimeout(inFlight.timer)
    this.inFlight = undefined
    if (typeof result === 'string') inFlight.pending.resolve(result)
    else inFlight.pending.reject(result)
  }

  /** Blocks until the thread answers the request just sent, or the limit passes (then the thread is replaced). */
  private await(thread: Thread, timeoutMs: number): string | ClearanceError {
    const timedOut = Atomics.wait(thread.channel.control, Control.response, 0, timeoutMs) === 'timed-out'
    return timedOut ? this.overrun() : this.receive(thread)
  }

  private available(): Thread {
    if (this.thread === undefined) throw this.unavailableError()
    return this.thread
  }

  private unavailableError(): ClearanceError {
    return new ClearanceError(ErrorCodes.evaluationError, this.unavailable ?? 'policy is not available')
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

  private receive(thread: Thread): string | ClearanceError {
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
    return evaluationFailure(
      text,
      status === Status.trap ? { cause: new WebAssembly.RuntimeError(text) } : undefined,
    )
  }

  private overrun(): ClearanceError {
    this.replaceThread(`an evaluation ran past the ${this.timeoutMs} ms limit`)
    return new ClearanceError(
      ErrorCodes.evaluationError,
      `evaluation exceeded the ${this.timeoutMs} ms time limit and was stopped`,
    )
  }

  close(): void {
    this.unavailable = closedMessage
    this.stopThread()
    if (this.inFlight !== undefined) this.settleInFlight(this.inFlight.pending, this.unavailableError())
    this.pump()
  }

  private stopThread(): void {
    const thread = this.thread
    this.thread = undefined
    if (thread === undefined) return
    thread.port.close()
    void thread.worker.terminate()
  }

  private replaceThread(reason: string, attempt = 1): void {
    this.stopThread()
    this.unavailable = `policy instance is being replaced (${reason}); decisions are denied until it is ready`
    startThread(this.wasm, this.data, this.options).then(
      ({ thread }) => {
        if (this.unavailable === closedMessage) {
          thread.port.close()
          void thread.worker.terminate()
          return
        }
        this.thread = thread
        this.unavailable = undefined
        this.watch(thread)
        this.pump()
      },
      (error: unknown) => {
        if (this.unavailable === closedMessage) return
        this.unavailable = `policy instance could not be replaced: ${String(error)}; retrying`
        const delayMs = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7))
        setTimeout(() => {
          if (this.unavailable !== closedMessage) this.replaceThread(reason, attempt + 1)
        }, delayMs).unref()
      },
    )
  }

  /** A thread that dies on its own (out of memory, a crash) is replaced; an evaluation on it is denied. */
  private watch(thread: Thread): void {
    thread.worker.once('exit', (exitCode) => {
      if (this.thread !== thread) return
      const reason = `the evaluation thread exited (exit code ${exitCode})`
      this.replaceThread(reason)
      if (this.inFlight !== undefined) {
        this.settleInFlight(this.inFlight.pending, new ClearanceError(ErrorCodes.evaluationError, reason))
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
  options: WasmPolicyOptions & { timeoutMs: number },
): Promise<ClosablePolicy> {
  if (options.builtins !== undefined) {
    throw new ClearanceError(
      ErrorCodes.configError,
      'custom builtins cannot be used with an evaluation time limit (they cannot cross to the evaluation thread)',
    )
  }
  const { timeoutMs, ...wasmOptions } = options
  const sharedWasm = shareBytes(wasm)
  const sharedData = shareBytes(data)
  const { thread, entrypoints, builtins } = await startThread(sharedWasm, sharedData, wasmOptions)
  return new GuardedPolicy(entrypoints, builtins, thread, sharedWasm, sharedData, wasmOptions, timeoutMs)
}
