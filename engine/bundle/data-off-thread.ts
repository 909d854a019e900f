// Loads a bundle whose data is large without holding up the serving thread: the data files go to a worker thread
// (handed over when each is a buffer of its own, which nothing reads after; otherwise through shared memory, copied
// there in short steps when they are not shared already), the worker parses,
// places and checks them (bundle-data.ts) and hands back the data document as JSON bytes in shared memory, and the
// bundle is built around those bytes; a policy set of it loads its instances from them without parsing anything.
// A worker that fails (its heap exhausted, say) refuses the bundle; the process and the serving set stay.
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, type ErrorCode } from '../errors.js'
import { spawnWorker, workerScriptUrl } from '../worker-script.js'
import { bundleError, isDataFile } from './bundle-data.js'
import type { BundleFiles } from './bundle-files.js'
import type { DataWorkerData, DataWorkerResult } from './data-worker.js'
import { type Bundle, loadBundle, readManifest } from './load-bundle.js'

const WORKER_URL = workerScriptUrl('./data-worker', import.meta.url)
/** Bytes copied into shared memory per event-loop turn (about a millisecond's work). */
const COPY_STEP = 4 * 1024 * 1024

async function share(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
  for (let at = 0; at < bytes.byteLength; at += COPY_STEP) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve))
    shared.set(bytes.subarray(at, at + COPY_STEP), at)
  }
  return shared
}

/** Bytes the worker can be handed without a copy: a whole buffer of their own (not shared, not a pool's slice). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer | undefined {
  const buffer = bytes.buffer
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength
    ? buffer
    : undefined
}

/**
 * The data document of `name`'s data files, built and encoded on a worker thread. Files in a buffer of their own
 * are handed over (they are empty here afterwards): no copy of a large data.json is made on either side.
 */
async function encodeDataOffThread(
  name: string,
  files: Array<[string, Uint8Array]>,
  roots: string[],
): Promise<Uint8Array> {
  const sent: Array<[string, Uint8Array]> = []
  const handed = new Set<ArrayBuffer>()
  for (const [path, bytes] of files) {
    const own = ownBuffer(bytes)
    if (own !== undefined && !handed.has(own)) {
      handed.add(own)
      sent.push([path, bytes])
    } else {
      sent.push([path, await share(bytes)])
    }
  }
  const init: DataWorkerData = { name, files: sent, roots }
  const worker = spawnWorker(WORKER_URL, { workerData: init, transferList: [...handed] })
  return new Promise((resolve, reject) => {
    worker.once('message', (result: DataWorkerResult) => {
      worker.removeAllListeners()
      void worker.terminate()
      if (result.ok) resolve(result.json)
      else reject(new ClearanceError(result.code as ErrorCode, result.message))
    })
    worker.once('error', (error) => {
      worker.removeAllListeners()
      reject(bundleError(name, `its data could not be loaded: ${error.message}`, error))
    })
    worker.once('exit', (exitCode) =>
      reject(bundleError(name, `its data could not be loaded (the worker exited with code ${exitCode})`)),
    )
  })
}

/**
 * Like loadBundle, but data files totalling `offThreadBytes` or more are parsed off the serving thread. Throws
 * ClearanceError(bundle_error) with the same messages loadBundle gives.
 */
export async function loadBundleOffThread(
  name: string,
  files: BundleFiles,
  offThreadBytes: number = DEFAULTS.dataOffThreadBytes,
): Promise<Bundle> {
  const dataFiles = [...files].filter(([path]) => isDataFile(path))
  const dataBytes = dataFiles.reduce((sum, [, bytes]) => sum + bytes.byteLength, 0)
  if (dataBytes === 0 || dataBytes < offThreadBytes) return loadBundle(name, files)
  const manifest = readManifest(name, files)
  // counted before the data files are handed to the worker
  let sizeBytes = 0
  for (const bytes of files.values()) sizeBytes += bytes.byteLength
  const json = await encodeDataOffThread(name, dataFiles, [...manifest.roots])
  const bundle = loadBundle(name, files, json)
  bundle.sizeBytes = sizeBytes
  return bundle
}
