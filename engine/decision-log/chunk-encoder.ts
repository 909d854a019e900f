// Packs buffered events into gzipped JSON arrays no larger than OPA's upload_size_limit_bytes (the compressed
// size). Compressing each event to learn its size would be wasteful, so, like OPA's encoder, it guesses how
// much uncompressed text fits from the ratio the last chunks achieved, and halves a chunk that came out too big.
// One event too big on its own is dropped (OPA does the same), never sent past the limit.
import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import type { BoundedQueue } from './bounded-queue.js'

const gzip = promisify(gzipCallback)

export interface Chunk {
  events: string[]
  sizes: number[]
  body: Buffer
}

export interface ChunkEncoder {
  /** Takes the next chunk's events off the queue and compresses them; undefined when the queue is empty. */
  next(queue: BoundedQueue<string>, onTooLarge: () => void): Promise<Chunk | undefined>
  /** Uncompressed bytes expected to fill one chunk (when an immediate upload is worth it). */
  targetBytes(): number
  /** Events taken off the queue and being compressed right now. */
  held(): { events: number; bytes: number }
}

// Aim a little under the limit so most guesses fit the first time.
const FILL = 0.9

export function createChunkEncoder(limitBytes: number, level?: number): ChunkEncoder {
  const options = level === undefined ? {} : { level }
  // gzip shrinks JSON event arrays several-fold; start cautious, then learn.
  let ratio = 0.5
  let held = { events: 0, bytes: 0 }
  const target = (): number => Math.max(1, Math.floor((limitBytes * FILL) / ratio))

  const take = (queue: BoundedQueue<string>, budget: number): Chunk => {
    const events: string[] = []
    const sizes: number[] = []
    let total = 2
    while (queue.length > 0) {
      const size = queue.peekSize()!
      if (events.length > 0 && total + size + 1 > budget) break
      events.push(queue.shift()!)
      sizes.push(size)
      total += size + 1
    }
    held = { events: events.length, bytes: total }
    return { events, sizes, body: Buffer.alloc(0) }
  }

  return {
    targetBytes: target,
    held: () => held,
    async next(queue, onTooLarge) {
      try {
        return await compressNext(queue, onTooLarge)
      } finally {
        held = { events: 0, bytes: 0 }
      }
    },
  }

  async function compressNext(
    queue: BoundedQueue<string>,
    onTooLarge: () => void,
  ): Promise<Chunk | undefined> {
    for (;;) {
      const chunk = take(queue, target())
      if (chunk.events.length === 0) return undefined
      for (;;) {
        const text = `[${chunk.events.join(',')}]`
        const body = await gzip(text, options)
        ratio = Math.min(1, Math.max(0.01, body.length / text.length))
        if (body.length <= limitBytes) return { ...chunk, body }
        if (chunk.events.length === 1) {
          onTooLarge()
          break
        }
        // Too big: send the first half now, return the rest to the front of the queue.
        const half = Math.ceil(chunk.events.length / 2)
        queue.unshiftAll(chunk.events.slice(half), chunk.sizes.slice(half))
        chunk.events = chunk.events.slice(0, half)
        chunk.sizes = chunk.sizes.slice(0, half)
        held = { events: half, bytes: chunk.sizes.reduce((sum, size) => sum + size + 1, 2) }
      }
    }
  }
}
