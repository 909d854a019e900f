// Builds gzip'd tar archives entry by entry, including the hostile kinds (traversal, links, devices) that a real
// packer refuses to write, so the bundle reader's refusals can be tested.
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'

export interface TarEntry {
  path: string
  body?: string | Uint8Array
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO'
  linkpath?: string
}

export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    const body = entry.body === undefined ? Buffer.alloc(0) : Buffer.from(entry.body)
    const type = entry.type ?? 'File'
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: type === 'File' ? body.byteLength : 0,
      type,
      mtime: new Date(0),
      linkpath: entry.linkpath ?? '',
      uid: 0,
      gid: 0,
    })
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block)
    if (type === 'File' && body.byteLength > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.byteLength % 512)) % 512))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tarBytes(entries))
}
