// The worker side of data-off-thread.ts: builds a bundle's data document from its data files (parse, place,
// roots), encodes it as JSON into shared memory and posts it back, or posts why the data was refused. The worker
// is used once: its heap, with every parsed object, goes when it exits.
import { parentPort, workerData } from 'node:worker_threads'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { encodeJson } from '../json/index.js'
import { buildDataDocument } from './bundle-data.js'

export interface DataWorkerData {
  name: string
  /** Data file path → its bytes (handed over, or in shared memory). */
  files: Array<[string, Uint8Array]>
  roots: string[]
}

export type DataWorkerResult = { ok: true; json: Uint8Array } | { ok: false; code: string; message: string }

function build(init: DataWorkerData): DataWorkerResult {
  try {
    // TextDecoder reads no shared memory: a shared file is copied into the worker's own first.
    const files = init.files.map(
      ([path, bytes]) =>
        [path, bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes] as const,
    )
    const encoded = encodeJson(buildDataDocument(init.name, files, init.roots))
    const json = new Uint8Array(new SharedArrayBuffer(encoded.byteLength))
    json.set(encoded)
    return { ok: true, json }
  } catch (thrown) {
    const code = thrown instanceof ClearanceError ? thrown.code : ErrorCodes.bundleError
    return { ok: false, code, message: describeThrown(thrown) }
  }
}

parentPort?.postMessage(build(workerData as DataWorkerData))
