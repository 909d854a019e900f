// The last good bundle of each remote source, kept on disk so a restart serves it before (or without) the bundle
// server. Laid out like OPA's persistence directory: <dir>/bundles/<name>/bundle.tar.gz, plus a small meta.json
// with the ETag it was served under. Writes go to a temporary file renamed into place, so a crash leaves the old
// bundle or the new one, never half of one. A persisted bundle is verified and checked like a downloaded one.
import { createHash, randomBytes } from 'node:crypto'
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface PersistedBundle {
  bytes: Uint8Array
  /** The ETag the server sent with these bytes; "" when unknown. */
  etag: string
}

export interface BundleStore {
  load(name: string): Promise<PersistedBundle | undefined>
  save(name: string, bytes: Uint8Array, etag: string): Promise<void>
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

export function createBundleStore({ dir, maxBytes }: { dir: string; maxBytes: number }): BundleStore {
  // One path segment per name, whatever it holds ("/", "..").
  const folder = (name: string): string =>
    join(dir, 'bundles', encodeURIComponent(name).replaceAll('.', '%2E'))

  const replace = async (path: string, bytes: Uint8Array | string): Promise<void> => {
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
    try {
      await writeFile(temporary, bytes, { mode: 0o600 })
      await rename(temporary, path)
    } catch (thrown) {
      await rm(temporary, { force: true })
      throw thrown
    }
  }

  return {
    async load(name) {
      const bundlePath = join(folder(name), 'bundle.tar.gz')
      const info = await lstat(bundlePath).catch(() => undefined)
      if (info === undefined || !info.isFile() || info.size > maxBytes) return undefined
      const bytes = await readFile(bundlePath)
      let etag = ''
      try {
        const meta = JSON.parse(await readFile(join(folder(name), 'meta.json'), 'utf8')) as {
          etag?: unknown
          sha256?: unknown
        }
        // The ETag belongs to these bytes only if the digest says so (a crash may separate the two writes).
        if (typeof meta.etag === 'string' && meta.sha256 === sha256(bytes)) etag = meta.etag
      } catch {
        // No or unreadable meta: the bundle is still good, its ETag unknown.
      }
      return { bytes, etag }
    },
    async save(name, bytes, etag) {
      await mkdir(folder(name), { recursive: true, mode: 0o700 })
      await replace(join(folder(name), 'bundle.tar.gz'), bytes)
      await replace(join(folder(name), 'meta.json'), JSON.stringify({ etag, sha256: sha256(bytes) }))
    },
  }
}
