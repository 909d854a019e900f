// Reads one bundle from the local file system for a watched source: a .tar.gz file or an unpacked folder. Beyond
// bundle-files.ts's own checks it refuses anything that is not a regular file or folder (a FIFO named x.tar.gz
// would block a plain read forever), paths that resolve outside the watched folder, and it notices a file that
// changed while it was read so a half-written bundle is read again rather than reported.
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import {
  type BundleFiles,
  type BundleLimits,
  defaultBundleLimits,
  readBundleArchive,
  readBundleDirectory,
} from '../bundle/index.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'

export type LocalRead =
  | { changing: false; files: BundleFiles; size: number; digest: string }
  /** The file changed while it was read: read it again once writes settle. */
  | { changing: true }

function refused(path: string, message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(
    ErrorCodes.bundleError,
    `bundle "${path}" ${message}`,
    cause === undefined ? undefined : { cause },
  )
}

/** SHA-256 over an unpacked bundle's paths and contents, to tell a real change from a repeated event. */
export function digestFiles(files: BundleFiles): string {
  const hash = createHash('sha256')
  for (const path of [...files.keys()].sort()) {
    const bytes = files.get(path)!
    hash.update(`${path}\0${bytes.byteLength}\0`).update(bytes)
  }
  return hash.digest('hex')
}

async function assertInside(path: string, root: string): Promise<void> {
  const [real, realRoot] = await Promise.all([realpath(path), realpath(root)])
  const rel = relative(realRoot, real)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep)) {
    throw refused(path, `resolves to "${real}", outside the watched folder "${realRoot}"`)
  }
}

async function readArchive(path: string, limits: BundleLimits): Promise<LocalRead> {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below then refuses it.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  let bytes: Buffer
  let before: Awaited<ReturnType<typeof handle.stat>>
  try {
    before = await handle.stat()
    if (!before.isFile()) throw refused(path, 'is not a regular file')
    if (before.size > limits.maxCompressedBytes) {
      throw refused(path, `is ${before.size} bytes, over the ${limits.maxCompressedBytes}-byte limit`)
    }
    bytes = await handle.readFile()
  } finally {
    await handle.close()
  }
  if (bytes.byteLength > limits.maxCompressedBytes) return { changing: true }
  const after = await stat(path).catch(() => undefined)
  if (
    after === undefined ||
    after.size !== bytes.byteLength ||
    after.mtimeMs !== before.mtimeMs ||
    after.ino !== before.ino
  ) {
    return { changing: true }
  }
  const digest = createHash('sha256').update(bytes).digest('hex')
  return { changing: false, files: await readBundleArchive(bytes, limits), size: bytes.byteLength, digest }
}

/**
 * Reads the bundle at `path`. With `within`, the path (after following links) must lie inside that folder.
 * Throws ClearanceError(bundle_error).
 */
export async function readLocalBundle(
  path: string,
  { limits = defaultBundleLimits, within }: { limits?: BundleLimits; within?: string | undefined } = {},
): Promise<LocalRead> {
  try {
    if (within !== undefined) await assertInside(path, within)
    const info = await stat(path)
    if (info.isDirectory()) {
      const files = await readBundleDirectory(path, limits)
      let size = 0
      for (const bytes of files.values()) size += bytes.byteLength
      return { changing: false, files, size, digest: digestFiles(files) }
    }
    if (!info.isFile()) throw refused(path, 'is not a regular file or folder')
    return await readArchive(path, limits)
  } catch (thrown) {
    if (thrown instanceof ClearanceError) throw thrown
    throw refused(path, `cannot be read: ${describeThrown(thrown)}`, thrown)
  }
}

/**
 * A cheap summary of what is at `path` (inode, size, times; for a folder, of every entry in it), to tell whether
 * it may have changed since it was last read without reading it. Undefined when the path cannot be examined.
 */
export async function fingerprintPath(path: string): Promise<string | undefined> {
  const describe = (info: Awaited<ReturnType<typeof stat>>): string =>
    `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`
  try {
    const info = await stat(path)
    if (!info.isDirectory()) return describe(info)
    const parts: string[] = []
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const full = join(dir, entry.name)
        const entryInfo = await lstat(full)
        parts.push(`${full}=${describe(entryInfo)}`)
        if (entry.isDirectory() && depth < MAX_FINGERPRINT_DEPTH) await walk(full, depth + 1)
      }
    }
    await walk(path, 0)
    return createHash('sha256').update(parts.join('\n')).digest('hex')
  } catch {
    return undefined
  }
}

const MAX_FINGERPRINT_DEPTH = 32
