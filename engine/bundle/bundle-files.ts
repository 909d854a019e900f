// Reads the raw files of an OPA bundle, from a .tar.gz (bytes or file) or a directory in OPA's layout, into a map
// keyed by bundle path ("/data.json", "/policy.wasm", "/.manifest"). Every read is bounded and refuses entries
// that could escape the bundle: traversal, links, devices. Archives are decompressed as a stream with every limit
// applied as bytes arrive (bounded-gunzip.ts); data files are held to the data limit before they are read.
import { lstat, readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { Parser, type ReadEntry } from 'tar'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { gunzipBounded } from './bounded-gunzip.js'
import { type BundleLimits, defaultBundleLimits } from './bundle-limits.js'

export type BundleFiles = ReadonlyMap<string, Uint8Array>

function bundleError(message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, message, cause === undefined ? undefined : { cause })
}

/** Normalises an archive path to "/a/b"; refuses traversal. OPA writes its entries with a leading "/". */
export function normalizeBundlePath(raw: string): string {
  const parts = raw.replaceAll('\\', '/').split('/')
  const kept: string[] = []
  for (const part of parts) {
    if (part === '' || part === '.') continue
    if (part === '..') throw bundleError(`bundle entry "${raw}" leaves the bundle (path traversal)`)
    kept.push(part)
  }
  if (kept.length === 0) throw bundleError(`bundle entry "${raw}" has an empty path`)
  return `/${kept.join('/')}`
}

/** Files whose content becomes the data document: the ones the data limit bounds. */
export function isDataFile(path: string): boolean {
  return /(^|\/)data\.(json|ya?ml)$/.test(path)
}

class FileCollector {
  readonly files = new Map<string, Uint8Array>()
  private total = 0
  private dataTotal = 0

  constructor(private readonly limits: BundleLimits) {}

  add(path: string, bytes: Uint8Array): void {
    if (this.files.has(path)) throw bundleError(`bundle entry "${path}" appears twice`)
    if (this.files.size >= this.limits.maxFiles) {
      throw bundleError(`bundle has more than ${this.limits.maxFiles} files (at "${path}")`)
    }
    this.checkSize(path, bytes.byteLength)
    this.total += bytes.byteLength
    if (isDataFile(path)) this.dataTotal += bytes.byteLength
    this.files.set(path, bytes)
  }

  checkSize(path: string, size: number): void {
    if (isDataFile(path)) {
      const maxData = this.limits.maxDataBytes ?? defaultBundleLimits.maxDataBytes!
      if (this.dataTotal + size > maxData) {
        throw bundleError(
          `bundle data files reach ${this.dataTotal + size} bytes (at "${path}"), over the ${maxData}-byte data limit (raise --max-bundle-memory to admit more)`,
        )
      }
    }
    if (size > this.limits.maxFileBytes) {
      throw bundleError(
        `bundle file "${path}" is ${size} bytes, over the ${this.limits.maxFileBytes}-byte limit`,
      )
    }
    if (this.total + size > this.limits.maxUnpackedBytes) {
      throw bundleError(`bundle unpacks to more than ${this.limits.maxUnpackedBytes} bytes (at "${path}")`)
    }
  }
}

/** Reads the files of a gzip-compressed tar bundle held in memory. */
export async function readBundleArchive(
  archive: Uint8Array,
  limits: BundleLimits = defaultBundleLimits,
): Promise<BundleFiles> {
  const collector = new FileCollector(limits)
  let failure: ClearanceError | undefined
  const fail = (error: ClearanceError): void => {
    failure ??= error
  }
  const parser = new Parser({ strict: true })
  parser.on('entry', (entry: ReadEntry) => {
    if (failure !== undefined) {
      entry.resume()
      return
    }
    try {
      const path = normalizeBundlePath(entry.path)
      if (entry.type === 'Directory') {
        entry.resume()
        return
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        throw bundleError(`bundle entry "${entry.path}" is a ${entry.type}; only regular files are allowed`)
      }
      collector.checkSize(path, entry.size)
      // The header's size was checked above: the file is filled in place as chunks arrive (no concatenation,
      // which for a large file would be one long copy on the serving thread).
      const body = Buffer.allocUnsafe(entry.size)
      let filled = 0
      entry.on('data', (chunk: Buffer) => {
        if (filled + chunk.byteLength <= body.byteLength) chunk.copy(body, filled)
        filled += chunk.byteLength
      })
      entry.on('end', () => {
        try {
          if (filled !== body.byteLength) {
            throw bundleError(
              `bundle entry "${path}" holds ${filled} bytes, not the ${body.byteLength} its header says`,
            )
          }
          collector.add(path, body)
        } catch (thrown) {
          fail(thrown as ClearanceError)
        }
      })
    } catch (thrown) {
      entry.resume()
      fail(thrown instanceof ClearanceError ? thrown : bundleError(describeThrown(thrown), thrown))
    }
  })
  const parsed = new Promise<void>((resolve) => {
    parser.on('error', (thrown: unknown) => {
      fail(bundleError(`bundle archive is not a valid tar file: ${describeThrown(thrown)}`, thrown))
      resolve()
    })
    parser.on('warn', (_code: string, message: string | Error, data?: { header?: { path?: string } }) => {
      const at = data?.header?.path === undefined ? '' : ` (at entry "${data.header.path}")`
      fail(bundleError(`bundle archive is not a valid tar file: ${describeThrown(message)}${at}`))
    })
    parser.on('end', () => resolve())
  })
  // Each unpacked chunk goes to the tar parser as it arrives; a limit the parser finds stops decompression too.
  await gunzipBounded(archive, limits, (chunk) => {
    if (failure !== undefined) throw failure
    parser.write(chunk)
  }).catch((thrown: unknown) => {
    fail(thrown as ClearanceError)
  })
  if (failure === undefined) {
    parser.end()
    await parsed
  }
  if (failure !== undefined) throw failure
  if (collector.files.size === 0) throw bundleError('bundle archive holds no files (truncated or empty)')
  return collector.files
}

/** Reads the files of a bundle laid out as a directory (OPA's layout, as `opa build` would pack it). */
export async function readBundleDirectory(
  dir: string,
  limits: BundleLimits = defaultBundleLimits,
): Promise<BundleFiles> {
  const collector = new FileCollector(limits)
  const walk = async (current: string): Promise<void> => {
    const names = (await readdir(current)).sort()
    for (const name of names) {
      const full = join(current, name)
      const rel = relative(dir, full).split(sep).join('/')
      const info = await lstat(full)
      if (info.isSymbolicLink())
        throw bundleError(`bundle entry "${rel}" is a symbolic link; only regular files are allowed`)
      if (info.isDirectory()) {
        await walk(full)
      } else if (info.isFile()) {
        collector.checkSize(rel, info.size)
        collector.add(normalizeBundlePath(rel), await readFile(full))
      } else {
        throw bundleError(`bundle entry "${rel}" is not a regular file`)
      }
    }
  }
  await walk(dir)
  return collector.files
}

/** Reads a bundle from a path: a directory or a .tar.gz file. */
export async function readBundleFiles(
  path: string,
  limits: BundleLimits = defaultBundleLimits,
): Promise<BundleFiles> {
  let info: Awaited<ReturnType<typeof lstat>>
  try {
    info = await lstat(path)
  } catch (thrown) {
    throw bundleError(`bundle "${path}" cannot be read: ${describeThrown(thrown)}`, thrown)
  }
  if (info.isDirectory()) return readBundleDirectory(path, limits)
  if (info.size > limits.maxCompressedBytes) {
    throw bundleError(
      `bundle archive "${path}" is ${info.size} bytes, over the ${limits.maxCompressedBytes}-byte limit`,
    )
  }
  return readBundleArchive(await readFile(path), limits)
}
