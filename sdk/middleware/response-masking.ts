// Fulfils mask_fields on a Node ServerResponse whatever writes to it: res.json, res.send of a string, res.jsonp,
// res.write and res.end, a piped stream, a framework's own serializer (fastify), a handler that calls writeHead.
// Every byte of the body is held back until end(); then, when the response's content type is JSON, the body is
// parsed, masked and sent in one piece with its new length. A JSON body that cannot be parsed (truncated, NDJSON,
// compressed by the handler) is never sent: the response becomes a 500. Other content types pass through unchanged.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { maskFields } from './mask-fields.js'

type WriteCallback = (error?: Error | null) => void

const isJsonType = (type: unknown): boolean => /json/i.test(String(type ?? ''))

function bytesOf(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
}

function applyHeaders(res: ServerResponse, headers: unknown): void {
  if (headers === undefined || headers === null) return
  if (Array.isArray(headers)) {
    // [[name, value], …] or the flat [name, value, name, value, …]
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const [name, value] of headers as Array<[string, string]>) res.setHeader(name, value)
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2)
        res.setHeader(String(headers[i]), headers[i + 1] as string)
    }
    return
  }
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
    if (value !== undefined) res.setHeader(name, value)
  }
}

const NOT_MASKED = JSON.stringify({ code: 'internal_error', message: 'the response could not be masked' })

/** Masks `fields` in whatever JSON `res` sends from now on; call before the handler runs. */
export function maskResponse(res: ServerResponse, fields: readonly string[]): void {
  const original = {
    write: res.write,
    end: res.end,
    writeHead: res.writeHead,
    flushHeaders: res.flushHeaders,
  }
  const chunks: Buffer[] = []
  let ended = false

  res.writeHead = function writeHead(
    this: ServerResponse,
    status: number,
    reason?: unknown,
    headers?: unknown,
  ) {
    res.statusCode = status
    if (typeof reason === 'string') res.statusMessage = reason
    else headers = reason
    applyHeaders(res, headers)
    return res
  } as ServerResponse['writeHead']
  // Headers go out with the masked body, not before.
  res.flushHeaders = () => {}
  res.write = function write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (typeof encoding === 'function') callback = encoding
    if (!ended && chunk !== undefined && chunk !== null) chunks.push(bytesOf(chunk, encoding))
    if (typeof callback === 'function') process.nextTick(callback as WriteCallback)
    return true
  } as ServerResponse['write']
  res.end = function end(chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
    if (typeof chunk === 'function') {
      callback = chunk
      chunk = undefined
    } else if (typeof encoding === 'function') {
      callback = encoding
    }
    if (ended) return res
    ended = true
    if (chunk !== undefined && chunk !== null) chunks.push(bytesOf(chunk, encoding))
    Object.assign(res, original)
    const body = Buffer.concat(chunks)
    const done = typeof callback === 'function' ? (callback as () => void) : undefined
    if (body.length === 0 || !isJsonType(res.getHeader('content-type'))) {
      return body.length === 0 ? res.end(done) : res.end(body, done)
    }
    let text: string
    try {
      if (res.getHeader('content-encoding') !== undefined) throw new Error('encoded body')
      text = JSON.stringify(maskFields(JSON.parse(body.toString('utf8')) as unknown, fields))
    } catch {
      res.statusCode = 500
      res.removeHeader('content-encoding')
      res.setHeader('content-type', 'application/json; charset=utf-8')
      text = NOT_MASKED
    }
    // The ETag (if any) was computed over the unmasked body.
    res.removeHeader('etag')
    res.setHeader('content-length', Buffer.byteLength(text))
    return res.end(text, done)
  } as ServerResponse['end']
}
