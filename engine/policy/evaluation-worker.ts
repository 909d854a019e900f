// Entry of an evaluation worker thread: once its module graph is imported it says so (warm) and waits for its
// first message, the policy.wasm and data to instantiate (at once from a cold start, later from a spare:
// warm-threads.ts); it reports the entrypoints, then serves batches of evaluations over the shared-memory channel
// until the main thread terminates it. The thread blocks between batches and never returns to its event loop, so
// a batch costs one wake-up each way.
import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads'
import { describeThrown, ErrorCodes, toClearanceError } from '../errors.js'
import {
  Control,
  copyBytes,
  type EvaluationChannel,
  NO_INPUT,
  openEvaluationChannel,
  readRecord,
  Status,
  VIA_PORT,
  writeTextRecord,
} from './evaluation-channel.js'
import { type EvaluationWorkerWarm, isPrimer } from './warm-threads.js'
import { isInstanceFailure, loadWasmPolicy, type WasmPolicy } from './wasm-policy.js'

/** What the main thread hands an evaluation worker, in its first message (the port transferred with it). */
export interface EvaluationWorkerData {
  wasm: Uint8Array
  data: Uint8Array
  channel: SharedArrayBuffer
  port: MessagePort
  initialMemoryPages: number | undefined
  maxMemoryPages: number | undefined
  memoTable: boolean | undefined
}

/** The worker's first message: ready with its entrypoints, or why the module could not be loaded. */
export type EvaluationWorkerReady =
  | { ok: true; entrypoints: Array<[string, number]>; builtins: string[] }
  | { ok: false; code: string; message: string }

/** The batch's inputs, copied out of the channel: its byte area is reused for the results. */
function takeBatch(
  channel: EvaluationChannel,
  port: MessagePort,
): Array<{ entrypoint: number; input: Uint8Array | undefined }> {
  const count = channel.control[Control.count]!
  const batch: Array<{ entrypoint: number; input: Uint8Array | undefined }> = []
  let offset = 0
  for (let slot = 0; slot < count; slot++) {
    const record = readRecord(channel, offset)
    offset = record.next
    let input: Uint8Array | undefined
    if (record.length === VIA_PORT) {
      const message = receiveMessageOnPort(port)?.message
      if (!(message instanceof Uint8Array)) throw new Error('the input of this evaluation went missing')
      input = message
    } else if (record.length !== NO_INPUT) input = copyBytes(channel, record.start, record.length)
    batch.push({ entrypoint: record.first, input })
  }
  return batch
}

function evaluateOne(
  policy: WasmPolicy,
  entrypoint: number,
  input: Uint8Array | undefined,
): { status: number; text: string } {
  try {
    return { status: Status.ok, text: policy.evaluate(entrypoint, input) }
  } catch (thrown) {
    const cause = thrown instanceof Error ? thrown.cause : undefined
    const trapped = isInstanceFailure(cause)
    // The runtime's own words (the cause), so the caller's side can give a conflict OPA's shape again.
    return { status: trapped ? Status.trap : Status.error, text: describeThrown(cause ?? thrown) }
  }
}

/**
 * Answers batches until the thread is terminated: each slot's start time is published before it runs (the serving
 * thread's timer measures each evaluation from it) and `done` raised after its result is written, so a batch cut
 * short by the time limit still gives back every answer before the slot that overran. A trap stops the batch: the
 * instance may be broken, and the serving thread replaces the thread and requeues the slots after it.
 */
function serve(policy: WasmPolicy, channel: EvaluationChannel, port: MessagePort): never {
  const { control, starts } = channel
  for (;;) {
    Atomics.wait(control, Control.request, 0)
    Atomics.store(control, Control.request, 0)
    const taken = performance.now()
    channel.takenAt[0] = performance.timeOrigin + taken
    let batch: Array<{ entrypoint: number; input: Uint8Array | undefined }>
    try {
      batch = takeBatch(channel, port)
    } catch (thrown) {
      batch = []
      // The port may hold inputs out of order now: the thread is replaced.
      if (writeTextRecord(channel, 0, Status.lost, describeThrown(thrown)).viaPort) {
        port.postMessage(describeThrown(thrown))
      }
      Atomics.store(control, Control.done, 1)
    }
    let offset = 0
    for (let slot = 0; slot < batch.length; slot++) {
      // A blocked caller on the serving thread asked for the thread: the rest of the batch is queued again.
      if (slot > 0 && Atomics.load(control, Control.cut) === 1) break
      Atomics.store(starts, slot, Math.round((performance.now() - taken) * 1000))
      const { entrypoint, input } = batch[slot]!
      const { status, text } = evaluateOne(policy, entrypoint, input)
      const written = writeTextRecord(channel, offset, status, text)
      if (written.viaPort) port.postMessage(text)
      offset = written.next
      Atomics.store(control, Control.done, slot + 1)
      if (status === Status.trap) break
    }
    Atomics.store(control, Control.response, 1)
    Atomics.notify(control, Control.response)
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
    ...(init.memoTable === undefined ? {} : { memoTable: init.memoTable }),
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
