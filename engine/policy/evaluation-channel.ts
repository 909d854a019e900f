// The shared-memory channel between a guarded policy (serving thread) and its evaluation worker. The serving thread
// hands over a batch of evaluations at once — under load every evaluation that queued while the thread was busy — so
// one wake-up each way serves the whole batch. Layout: a few Int32 control words, a start time per batch slot (the
// serving thread's timer reads it to hold each evaluation, not the batch, to the time limit), then a byte area of
// records: the batch's inputs going in, then their results coming back in the same area. A payload too large for the
// area travels over a MessagePort, in order, and is read synchronously.

/** Control word indexes. */
export const Control = {
  /** 1 while a batch waits for the worker; the worker resets it to 0 when it takes the batch. */
  request: 0,
  /** 1 once the worker has answered the whole batch (or stopped it after a trap). */
  response: 1,
  /** Evaluations in the batch. */
  count: 2,
  /** Evaluations answered so far; the worker raises it after writing each result. */
  done: 3,
  /** 1 when the serving thread wants the thread back: the worker ends the batch after the evaluation it is on. */
  cut: 4,
} as const

/** Byte offset of a Float64: when the worker took the batch, in ms since the epoch (timeOrigin + now), 0 before. */
const TAKEN_AT_BYTE = 24

/**
 * ok; error (the policy failed); trap (the wasm instance trapped or ran out of memory: the batch stops there);
 * lost (the thread could not read the batch: it is replaced, and nobody's evaluation is to blame).
 */
export const Status = { ok: 0, error: 1, trap: 2, lost: 3 } as const

export const NO_INPUT = -1
export const VIA_PORT = -2
/** Start time of a batch slot the worker has not started. */
export const NOT_STARTED = -1

/** Evaluations handed over at once, at most. */
export const MAX_BATCH = 64

const CONTROL_WORDS = 8
/** Per slot: µs from the worker taking the batch to starting the slot's evaluation, or NOT_STARTED. */
const START_WORDS = MAX_BATCH
const HEADER_BYTES = (CONTROL_WORDS + START_WORDS) * 4
const DEFAULT_CAPACITY = 1024 * 1024
/** A record's header: two Int32 (entrypoint and input length going in; status and result length coming back). */
const RECORD_HEADER = 8
/** Room a payload always leaves at the end of the area, so every slot of a batch finds room for its header. */
const HEADER_RESERVE = RECORD_HEADER * MAX_BATCH

export interface EvaluationChannel {
  readonly buffer: SharedArrayBuffer
  readonly control: Int32Array
  /** Per slot of the batch: when its evaluation started (see START_WORDS). */
  readonly starts: Int32Array
  readonly bytes: Uint8Array
  /** The byte area as Int32 words, for the record headers (records start 4-aligned). */
  readonly words: Int32Array
  /** [0]: when the worker took the batch (see TAKEN_AT_BYTE); the same clock on both threads. */
  readonly takenAt: Float64Array
}

/** A channel with `capacity` bytes of payload area. */
export function createEvaluationChannel(capacity = DEFAULT_CAPACITY): EvaluationChannel {
  return openEvaluationChannel(new SharedArrayBuffer(HEADER_BYTES + align(capacity)))
}

/** The same channel seen from the other thread. */
export function openEvaluationChannel(buffer: SharedArrayBuffer): EvaluationChannel {
  return {
    buffer,
    control: new Int32Array(buffer, 0, CONTROL_WORDS),
    starts: new Int32Array(buffer, CONTROL_WORDS * 4, START_WORDS),
    bytes: new Uint8Array(buffer, HEADER_BYTES),
    words: new Int32Array(buffer, HEADER_BYTES),
    takenAt: new Float64Array(buffer, TAKEN_AT_BYTE, 1),
  }
}

function align(offset: number): number {
  return (offset + 3) & ~3
}

/**
 * Writes a record (two header words, then `payload`) at `offset`; returns the next record's offset. A payload that
 * does not fit is left to the caller to send over the port: the record then says VIA_PORT. Payloads leave room for
 * the headers of a whole batch, so a record written at a slot of a batch always fits.
 */
export function writeRecord(
  channel: EvaluationChannel,
  offset: number,
  first: number,
  payload: Uint8Array | undefined,
): { next: number; viaPort: boolean } {
  const at = offset / 4
  channel.words[at] = first
  if (payload === undefined) {
    channel.words[at + 1] = NO_INPUT
    return { next: offset + RECORD_HEADER, viaPort: false }
  }
  const start = offset + RECORD_HEADER
  if (start + payload.byteLength > channel.bytes.byteLength - HEADER_RESERVE) {
    channel.words[at + 1] = VIA_PORT
    return { next: start, viaPort: true }
  }
  channel.bytes.set(payload, start)
  channel.words[at + 1] = payload.byteLength
  return { next: align(start + payload.byteLength), viaPort: false }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Writes a result record of `text`; the caller sends the text over the port when `viaPort`. */
export function writeTextRecord(
  channel: EvaluationChannel,
  offset: number,
  status: number,
  text: string,
): { next: number; viaPort: boolean } {
  const at = offset / 4
  const start = offset + RECORD_HEADER
  // encodeInto says whether everything fitted.
  const room = channel.bytes.subarray(start, Math.max(start, channel.bytes.byteLength - HEADER_RESERVE))
  const { read, written } = encoder.encodeInto(text, room)
  channel.words[at] = status
  if (read !== text.length) {
    channel.words[at + 1] = VIA_PORT
    return { next: start, viaPort: true }
  }
  channel.words[at + 1] = written
  return { next: align(start + written), viaPort: false }
}

/** The record at `offset`: its header words and where its payload lies (length VIA_PORT or NO_INPUT: none). */
export function readRecord(
  channel: EvaluationChannel,
  offset: number,
): { first: number; length: number; start: number; next: number } {
  const at = offset / 4
  const first = channel.words[at]!
  const length = channel.words[at + 1]!
  const start = offset + RECORD_HEADER
  return { first, length, start, next: length >= 0 ? align(start + length) : start }
}

/** A copy of `length` payload bytes at `start` (the worker's evaluation must not read memory the next batch reuses). */
export function copyBytes(channel: EvaluationChannel, start: number, length: number): Uint8Array {
  return channel.bytes.slice(start, start + length)
}

/** Reads `length` bytes of UTF-8 text at `start`. */
export function readText(channel: EvaluationChannel, start: number, length: number): string {
  // TextDecoder refuses views of shared memory; copy out first.
  return decoder.decode(channel.bytes.slice(start, start + length))
}
