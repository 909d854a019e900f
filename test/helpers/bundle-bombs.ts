// Hostile bundles that are small on disk and huge unpacked, made without ever holding the unpacked bytes: tar
// headers and repeated filler are streamed through gzip, so a test can make a 1 GiB bomb in a few MiB of memory.
import { createGzip } from 'node:zlib'
import { Header } from 'tar'

export interface BombEntry {
  path: string
  /** Declared and written size. */
  size: number
  /** Byte the body repeats ('a' by default); with `prefix`, the body starts with it (e.g. '{"a":"'). */
  fill?: number
  prefix?: string
  suffix?: string
  /** Write only this many body bytes (a header that declares more than follows: the archive ends early). */
  written?: number
}

function header(path: string, size: number): Buffer {
  const block = Buffer.alloc(512)
  new Header({ path, mode: 0o644, size, type: 'File', mtime: new Date(0), uid: 0, gid: 0 }).encode(block, 0)
  return block
}

/** A .tar.gz of `entries`, streamed through gzip at its default level (what an attacker gets) in 1 MiB pieces. */
export async function gzipBomb(entries: readonly BombEntry[]): Promise<Buffer> {
  const gzip = createGzip()
  const out: Buffer[] = []
  gzip.on('data', (chunk: Buffer) => out.push(chunk))
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve)
    gzip.on('error', reject)
  })
  const write = (bytes: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (gzip.write(bytes)) resolve()
      else gzip.once('drain', resolve)
    })
  for (const entry of entries) {
    await write(header(entry.path, entry.size))
    const prefix = Buffer.from(entry.prefix ?? '')
    const suffix = Buffer.from(entry.suffix ?? '')
    const total = entry.written ?? entry.size
    const filler = Buffer.alloc(Math.min(total, 1024 * 1024), entry.fill ?? 0x61)
    await write(prefix)
    let left = total - prefix.byteLength - suffix.byteLength
    while (left > 0) {
      const piece = filler.subarray(0, Math.min(left, filler.byteLength))
      await write(piece)
      left -= piece.byteLength
    }
    await write(suffix)
    if (entry.written === undefined) await write(Buffer.alloc((512 - (entry.size % 512)) % 512))
  }
  await write(Buffer.alloc(1024))
  gzip.end()
  await done
  return Buffer.concat(out)
}

/** Longest gap between timer turns while `work` runs: how long the event loop was blocked at once. */
export async function longestBlock<T>(work: () => Promise<T>): Promise<{ result: T; blockedMs: number }> {
  let last = performance.now()
  let blockedMs = 0
  const timer = setInterval(() => {
    const now = performance.now()
    blockedMs = Math.max(blockedMs, now - last)
    last = now
  }, 1)
  try {
    const result = await work()
    return { result, blockedMs }
  } finally {
    clearInterval(timer)
  }
}
