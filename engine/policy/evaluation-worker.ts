// Entry of an evaluation worker thread: once its module graph is imported it says so (warm) and waits for its
// first message, the policy.wasm and data to instantiate (at once from a cold start, later from a spare:
// warm-threads.ts); it reports the entrypoints, then serves evaluations over the shared-memory channel until the
// main thread terminates it. The thread blocks between requests and never returns to its event loop, so a
// request costs one wake-up each way.
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads'
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
import { type EvaluationWorkerWarm, isPrimer } from './warm-threads.js'
import { isMemoryExhaustion, loadWasmPolicy, type WasmPolicy } from './wasm-policy.js'

/** What the main thread hands an evaluation worker, in its first message (the port transferred with it). */
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

/** The first message from the main thread; the thread's event loop stays alive until it comes. */
function nextMessage(): Promise<unknown> {
  return new Promise((resolve) => parentPort?.once('message', resolve))
}

const EMPTY_DATA = new TextEncoder().encode('{}')

async function main(): Promise<void> {
  // Static imports are evaluated by now: the expensive part of a thread's start is behind it.
  parentPort?.postMessage({ warm: true } satisfies EvaluationWorkerWarm)
  let message = await nextMessage()
  while (isPrimer(message)) {
    // A spare's warm-up: the instance is dropped; a module that fails here fails again, reported, when given.
    await loadWasmPolicy(message.prime, EMPTY_DATA).catch(() => undefined)
    message = await nextMessage()
  }
  const init = message as EvaluationWorkerData
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
