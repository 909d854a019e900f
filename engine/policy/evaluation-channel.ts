// The shared-memory channel between a guarded policy (main thread) and its evaluation worker: a few Int32 control
// words and a byte area for the input going in and the result coming back. The main thread blocks on the
// response word with a timeout, which is what makes an evaluation's time boundable while the call stays
// synchronous. Payloads too large for the byte area travel over a MessagePort and are read synchronously.

/** Control word indexes. */
export const Control = {
  /** 1 while a request waits for the worker; the worker resets it to 0 when it takes the request. */
  request: 0,
  /** 1 once the worker has written the response. */
  response: 1,
  entrypoint: 2,
  /** Input length in bytes, NO_INPUT, or VIA_PORT. */
  inputLength: 3,
  /** A Status; on an error the byte area holds its message. */
  status: 4,
  /** Result length in bytes, or VIA_PORT. */
  resultLength: 5,
} as const

/** ok; error (the policy failed); trap (the wasm instance trapped or ran out of memory and was replaced). */
export const Status = { ok: 0, error: 1, trap: 2 } as const

export const NO_INPUT = -1
export const VIA_PORT = -2

const CONTROL_BYTES = 32
const DEFAULT_CAPACITY = 1024 * 1024

export interface EvaluationChannel {
  readonly buffer: SharedArrayBuffer
  readonly control: Int32Array
  readonly bytes: Uint8Array
}

/** A channel with `capacity` bytes of payload area. */
export function createEvaluationChannel(capacity = DEFAULT_CAPACITY): EvaluationChannel {
  return openEvaluationChannel(new SharedArrayBuffer(CONTROL_BYTES + capacity))
}

/** The same channel seen from the other thread. */
export function openEvaluationChannel(buffer: SharedArrayBuffer): EvaluationChannel {
  return {
    buffer,
    control: new Int32Array(buffer, 0, CONTROL_BYTES / 4),
    bytes: new Uint8Array(buffer, CONTROL_BYTES),
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Writes `text` into the byte area; returns its length, or undefined when it does not fit. */
export function writeText(channel: EvaluationChannel, text: string): number | undefined {
  const { read, written } = encoder.encodeInto(text, channel.bytes)
  return read === text.length ? written : undefined
}

/** Reads `length` bytes of UTF-8 text from the byte area. */
export function readText(channel: EvaluationChannel, length: number): string {
  // TextDecoder refuses views of shared memory; copy out first.
  return decoder.decode(channel.bytes.slice(0, length))
}
