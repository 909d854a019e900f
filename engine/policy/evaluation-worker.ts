// Entry of an evaluation worker thread: instantiates one policy.wasm with its data, reports its entrypoints, then
// serves evaluations over the shared-memory channel until the main thread terminates it. The thread blocks between
// requests and never returns to its event loop, so a request costs one wake-up each way.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { describeThrown, ErrorCodes, toClearanceError } from '../errors.js'
import {
  Control,
  type EvaluationChannel,
  NO_INPUT,
  openEvaluationChannel,
  Status,
  VIA_PORT,
  writeText,
} from './evaluation-channel.js'
import { isMemoryExhaustion, loadWasmPolicy, type WasmPolicy } from './wasm-policy.js'

/** What the main thread hands a new evaluation worker. */
export interface EvaluationWorkerData {
  wasm: Uint8Array
  data: Uint8Array
  channel: SharedArrayBuffer
  port: MessagePort
  initialMemoryPages: number | undefined
  maxMemoryPages: number | undefined
}

/** The worker's first message: ready with its entrypoints, or why the module could not be loaded. */
export type EvaluationWorkerReady =
  | { ok: true; entrypoints: Array<[string, number]>; builtins: string[] }
  | { ok: false; code: string; message: string }

function takeInput(channel: EvaluationChannel, port: MessagePort): Uint8Array | undefined {
  const length = channel.control[Control.inputLength]!
  if (length === NO_INPUT) return undefined
  if (length === VIA_PORT) {
    const message = receiveMessageOnPort(port)?.message
    if (!(message instanceof Uint8Array)) throw new Error('the input of this evaluation went missing')
    return message
  }
  return channel.bytes.slice(0, length)
}

function respond(channel: EvaluationChannel, port: MessagePort, status: number, text: string): void {
  const written = writeText(channel, text)
  if (written === undefined) port.postMessage(text)
  channel.control[Control.status] = status
  channel.control[Control.resultLength] = written ?? VIA_PORT
  Atomics.store(channel.control, Control.response, 1)
  Atomics.notify(channel.control, Control.response)
}

function serve(policy: WasmPolicy, channel: EvaluationChannel, port: MessagePort): never {
  const control = channel.control
  for (;;) {
    Atomics.wait(control, Control.request, 0)
    Atomics.store(control, Control.request, 0)
    try {
      const input = takeInput(channel, port)
      respond(channel, port, Status.ok, policy.evaluate(control[Control.entrypoint]!, input))
    } catch (thrown) {
      const cause = thrown instanceof Error ? thrown.cause : undefined
      const trapped =
        cause instanceof WebAssembly.RuntimeError || cause instanceof RangeError || isMemoryExhaustion(cause)
      // The runtime's own words (the cause), so the caller's side can give a conflict OPA's shape again.
      respond(channel, port, trapped ? Status.trap : Status.error, describeThrown(cause ?? thrown))
    }
  }
}

async function main(): Promise<void> {
  const init = workerData as EvaluationWorkerData
  const options = {
    ...(init.initialMemoryPages === undefined ? {} : { initialMemoryPages: init.initialMemoryPages }),
    ...(init.maxMemoryPages === undefined ? {} : { maxMemoryPages: init.maxMemoryPages }),
  }
  let policy: WasmPolicy
  try {
    policy = await loadWasmPolicy(init.wasm, init.data, options)
  } catch (thrown) {
    const error = toClearanceError(thrown, ErrorCodes.bundleError, 'policy.wasm')
    parentPort?.postMessage({
      ok: false,
      code: error.code,
      message: error.message,
    } satisfies EvaluationWorkerReady)
    return
  }
  parentPort?.postMessage({
    ok: true,
    entrypoints: [...policy.entrypoints],
    builtins: [...policy.builtins],
  } satisfies EvaluationWorkerReady)
  serve(policy, openEvaluationChannel(init.channel), init.port)
}

await main()
