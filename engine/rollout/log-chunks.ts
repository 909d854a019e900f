// Streams decision logs as chunks of whole lines, in bounded memory whatever the log's size: a plain or gzipped
// file of JSON lines (--decision-log-file, the console) is cut at line ends into chunks of about CHUNK_BYTES; a
// gzipped JSON array (what a decision-log collector receives, one upload per file) is one chunk, bounded by the
// upload size limit and refused past MAX_ARRAY_BYTES. The kind is told by the first non-blank byte, not the name.
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { LogChunk } from './replayer.js'

export const CHUNK_BYTES = 256 * 1024
export const MAX_ARRAY_BYTES = 64 * 1024 * 1024
const NEWLINE = 10
const OPEN_BRACKET = 91

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}

async function openLog(
  file: string,
): Promise<{ raw: ReturnType<typeof createReadStream>; stream: Readable }> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const stream = createReadStream(file, { start: 0, end: 1 })
    const parts: Buffer[] = []
    stream.on('data', (part) => parts.push(part as Buffer))
    stream.once('end', () => resolve(Buffer.concat(parts)))
    stream.once('error', reject)
  })
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES })
  // gunzip hands out CHUNK_BYTES at a time too (its default is 16 KiB): fewer, larger chunks for the threads
  return { raw, stream: isGzip(head) ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw }
}

function firstNonBlank(buffer: Buffer): number | undefined {
  for (const byte of buffer) if (byte > 32) return byte
  return undefined
}

function countLines(buffer: Buffer, end: number): number {
  let lines = 0
  for (let i = buffer.indexOf(NEWLINE); i >= 0 && i < end; i = buffer.indexOf(NEWLINE, i + 1)) lines++
  return lines
}

/**
 * The chunks of one log file. `onBytes` is told of the file bytes read (compressed bytes for a .gz), for progress.
 * A malformed gzip stream ends the file with an error chunk the replayer counts as one malformed line.
 */
export async function* logChunks(
  file: string,
  fileIndex: number,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<LogChunk> {
  const { raw, stream } = await openLog(file)
  let kind: 'lines' | 'array' | undefined
  let carry: Buffer = Buffer.alloc(0)
  let line = 1
  let reported = 0
  const report = (): void => {
    if (onBytes === undefined || raw.bytesRead <= reported) return
    onBytes(raw.bytesRead - reported)
    reported = raw.bytesRead
  }
  try {
    for await (const part of stream) {
      const bytes = part as Buffer
      if (kind === undefined) {
        const first = firstNonBlank(bytes)
        if (first === undefined) continue
        kind = first === OPEN_BRACKET ? 'array' : 'lines'
      }
      if (kind === 'array') {
        carry = carry.length === 0 ? bytes : Buffer.concat([carry, bytes])
        if (carry.length > MAX_ARRAY_BYTES) {
          yield {
            kind: 'error',
            file,
            fileIndex,
            at: file,
            message: `JSON array over ${MAX_ARRAY_BYTES} bytes`,
          }
          return
        }
        report()
        continue
      }
      const joined = carry.length === 0 ? bytes : Buffer.concat([carry, bytes])
      const end = joined.lastIndexOf(NEWLINE)
      if (end < 0) {
        carry = joined
        continue
      }
      const text = joined.toString('utf8', 0, end)
      carry = joined.subarray(end + 1)
      yield { kind: 'lines', file, fileIndex, firstLine: line, text }
      line += countLines(joined, end) + 1
      report()
    }
  } catch (thrown) {
    const message = `unreadable: ${(thrown as Error).message}`
    yield { kind: 'error', file, fileIndex, at: `${file}:${line}`, message }
    return
  }
  if (kind === 'array') yield { kind: 'array', file, fileIndex, text: carry.toString('utf8') }
  else if (carry.length > 0)
    yield { kind: 'lines', file, fileIndex, firstLine: line, text: carry.toString('utf8') }
  report()
}
