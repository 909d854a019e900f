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
import type { WasmPolicy, WasmPolicyOptions } from './wasm-policy.js'

/** A wasm policy that holds a thread, released by close(). */
export interface ClosablePolicy extends WasmPolicy {
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

function shareBytes(bytes: Uint8Array): Uint8Array {
  // One copy in shared memory, readable by every worker this policy ever starts without another copy.
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
  shared.set(bytes)
  return shared
}

function startThread(
  wasm: Uint8Array,
  data: Uint8Array,
  options: WasmPolicyOptions,
): Promise<{ thread: Thread; entrypoints: Map<string, number> }> {
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
      resolve({ thread: { worker, port: port1, channel }, entrypoints: new Map(ready.entrypoints) })
    })
    worker.once('error', (error) => fail(`evaluation thread failed to start: ${error.message}`))
    worker.once('exit', (exitCode) =>
      fail(`evaluation thread exited during start-up (exit code ${exitCode})`),
    )
  })
}

class GuardedPolicy implements ClosablePolicy {
  private thread: Thread | undefined
  /** Why evaluations are denied right now, when the thread is being replaced or the policy is closed. */
  private unavailable: string | undefined

  constructor(
    readonly entrypoints: ReadonlyMap<string, number>,
    thread: Thread,
    private readonly wasm: Uint8Array,
    private readonly data: Uint8Array,
    private readonly options: WasmPolicyOptions,
    private readonly timeoutMs: number,
  ) {
    this.thread = thread
  }

  evaluate(entrypoint: number, input: Uint8Array | undefined): string {
    const thread = this.thread
    if (thread === undefined) {
      throw new ClearanceError(ErrorCodes.evaluationError, this.unavailable ?? 'policy is not available')
    }
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
    if (Atomics.wait(control, Control.response, 0, this.timeoutMs) === 'timed-out') {
      this.replaceThread(`an evaluation ran past the ${this.timeoutMs} ms limit`)
      throw new ClearanceError(
        ErrorCodes.evaluationError,
        `evaluation exceeded the ${this.timeoutMs} ms time limit and was stopped`,
      )
    }
    const length = control[Control.resultLength]!
    const text =
      length === VIA_PORT
        ? String(receiveMessageOnPort(thread.port)?.message)
        : readText(thread.channel, length)
    const status = control[Control.status]
    if (status === Status.ok) return text
    throw new ClearanceError(
      ErrorCodes.evaluationError,
      text,
      status === Status.trap ? { cause: new WebAssembly.RuntimeError(text) } : undefined,
    )
  }

  close(): void {
    this.unavailable = 'policy was closed'
    this.stopThread()
  }

  private stopThread(): void {
    const thread = this.thread
    this.thread = undefined
    if (thread === undefined) return
    thread.port.close()
    void thread.worker.terminate()
  }

  private replaceThread(reason: string): void {
    this.stopThread()
    this.unavailable = `policy instance is being replaced (${reason}); decisions are denied until it is ready`
    startThread(this.wasm, this.data, this.options).then(
      ({ thread }) => {
        if (this.unavailable === 'policy was closed') {
          thread.port.close()
          void thread.worker.terminate()
          return
        }
        this.thread = thread
        this.unavailable = undefined
      },
      (error: unknown) => {
        this.unavailable = `policy instance could not be replaced: ${String(error)}`
      },
    )
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
  const { thread, entrypoints } = await startThread(sharedWasm, sharedData, wasmOptions)
  return new GuardedPolicy(entrypoints, thread, sharedWasm, sharedData, wasmOptions, timeoutMs)
}
