// Decompresses a bundle archive as a stream on zlib's thread pool, handing each chunk on as it arrives and
// counting bytes as they come, so a gzip bomb is stopped at the first chunk past a limit: the unpacked limit, or
// the compression-ratio limit once past its floor. Nothing here holds the whole unpacked archive, and the serving
// thread only ever sees one chunk at a time.
import { createGunzip } from 'node:zlib'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { type BundleLimits, defaultBundleLimits } from './bundle-limits.js'

/** Compressed bytes fed to zlib per write, and unpacked bytes it hands back per chunk. */
const CHUNK_BYTES = 64 * 1024

function bundleError(message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, message, cause === undefined ? undefined : { cause })
}

/**
 * Streams the decompressed bytes of `archive` to `onChunk`. Rejects with ClearanceError(bundle_error) when the
 * archive is not gzip, is corrupt, or unpacks past its budget; `onChunk` throwing stops the stream with its error.
 */
export function gunzipBounded(
  archive: Uint8Array,
  limits: BundleLimits,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  if (archive.byteLength > limits.maxCompressedBytes) {
    return Promise.reject(
      bundleError(
        `bundle archive is ${archive.byteLength} bytes, over the ${limits.maxCompressedBytes}-byte limit`,
      ),
    )
  }
  if (archive[0] !== 0x1f || archive[1] !== 0x8b) {
    return Promise.reject(bundleError('bundle archive is not gzip-compressed'))
  }
  const ratio = limits.maxCompressionRatio ?? defaultBundleLimits.maxCompressionRatio!
  const floor = limits.ratioFloorBytes ?? defaultBundleLimits.ratioFloorBytes!
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES })
    let unpacked = 0
    let failed = false
    const fail = (error: ClearanceError): void => {
      if (failed) return
      failed = true
      gunzip.destroy()
      reject(error)
    }
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return
      unpacked += chunk.byteLength
      if (unpacked > limits.maxUnpackedBytes) {
        return fail(bundleError(`bundle unpacks to more than ${limits.maxUnpackedBytes} bytes`))
      }
      // Against the compressed bytes zlib has consumed so far, so a bomb is caught at the floor, not at its end.
      const consumed = Math.max(1, gunzip.bytesWritten)
      if (unpacked > floor && unpacked > consumed * ratio) {
        return fail(
          bundleError(
            `bundle archive unpacks past ${ratio}× its compressed size (a compression bomb?); refused at ${unpacked} bytes from ${consumed} compressed bytes`,
          ),
        )
      }
      try {
        onChunk(chunk)
      } catch (thrown) {
        fail(thrown instanceof ClearanceError ? thrown : bundleError(describeThrown(thrown), thrown))
      }
    })
    gunzip.on('error', (thrown) =>
      fail(bundleError(`bundle archive could not be decompressed: ${describeThrown(thrown)}`, thrown)),
    )
    gunzip.on('end', () => {
      if (!failed) resolve()
    })
    // Fed in slices so a failure stops the work early and no single write hands zlib the whole archive.
    let offset = 0
    const feed = (): void => {
      while (!failed && offset < archive.byteLength) {
        const slice = archive.subarray(offset, offset + CHUNK_BYTES)
        offset += slice.byteLength
        if (!gunzip.write(slice)) {
          gunzip.once('drain', feed)
          return
        }
      }
      if (!failed) gunzip.end()
    }
    feed()
  })
}
