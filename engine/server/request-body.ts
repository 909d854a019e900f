// Reads a request body as JSON: bounded size, optional gzip (Content-Encoding: gzip, as OPA accepts), UTF-8,
// and exact numbers. Every problem is an invalid_parameter (400) or resource_too_large (413) naming the cause.
import type { IncomingMessage } from 'node:http'
import { gunzipSync } from 'node:zlib'
import type { Context } from 'hono'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { assertJsonShape, defaultJsonShapeLimits, type JsonShapeLimits, parseJson } from '../json/index.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

export interface BodyOptions {
  maxBodyBytes: number
}

/**
 * The Node request behind a hono context when it runs on @hono/node-server. Reading it directly avoids building a
 * web Request (with its stream and abort signal) per call, which profiling showed as a third of server CPU.
 */
function nodeRequest(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
}

/** A request header, read from the Node request when there is one (no web Request is built). */
export function header(c: Context, name: string): string | undefined {
  const incoming = nodeRequest(c)
  if (incoming === undefined) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** Collects the request's bytes, refusing more than `max`; past the limit the rest is drained, not kept. */
function readIncoming(incoming: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    incoming.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.byteLength
      if (size > max) {
        refused = true
        chunks.length = 0
        reject(tooLarge(max))
        return
      }
      chunks.push(chunk)
    })
    incoming.once('end', () => {
      if (!refused) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    incoming.once('error', (error) => {
      if (!refused)
        reject(
          new ClearanceError(ErrorCodes.invalidParameter, `could not read request body: ${error.message}`),
        )
    })
  })
}

/** The web Request's body, outside Node (hono's app.request in tests). */
async function readWebBody(c: Context, max: number): Promise<Uint8Array> {
  const raw = new Uint8Array(await c.req.arrayBuffer())
  if (raw.byteLength > max) throw tooLarge(max)
  return raw
}

/** The body's bytes, decompressed when the client sent gzip. Empty bodies give an empty array. */
export async function readBodyBytes(c: Context, options: BodyOptions): Promise<Uint8Array> {
  const incoming = nodeRequest(c)
  if (incoming !== undefined) return readRequestBytes(incoming, options)
  assertDeclaredLength(c.req.header('content-length'), options.maxBodyBytes)
  const raw = await readWebBody(c, options.maxBodyBytes)
  return decoded(raw, c.req.header('content-encoding'), options.maxBodyBytes)
}

/** readBodyBytes for a Node request read directly (the lean data route, engine/server/lean-data-route.ts). */
export async function readRequestBytes(
  incoming: IncomingMessage,
  { maxBodyBytes }: BodyOptions,
): Promise<Uint8Array> {
  assertDeclaredLength(incoming.headers['content-length'], maxBodyBytes)
  const raw = await readIncoming(incoming, maxBodyBytes)
  return decoded(raw, incoming.headers['content-encoding'], maxBodyBytes)
}

/** readBodyBytes for a body already read whole (engine/server/fast-connections.ts). */
export function bodyFromBytes(
  raw: Uint8Array,
  contentEncoding: string | undefined,
  { maxBodyBytes }: BodyOptions,
): Uint8Array {
  if (raw.byteLength > maxBodyBytes) throw tooLarge(maxBodyBytes)
  return decoded(raw, contentEncoding, maxBodyBytes)
}

function assertDeclaredLength(declared: string | undefined, maxBodyBytes: number): void {
  if (Number(declared ?? Number.NaN) > maxBodyBytes) throw tooLarge(maxBodyBytes)
}

function decoded(raw: Uint8Array, contentEncoding: string | undefined, maxBodyBytes: number): Uint8Array {
  const encoding = contentEncoding?.trim().toLowerCase()
  if (encoding === undefined || encoding === '' || encoding === 'identity') return raw
  if (encoding !== 'gzip') {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `unsupported Content-Encoding "${encoding}"; use gzip or none`,
    )
  }
  try {
    return gunzipSync(raw, { maxOutputLength: maxBodyBytes })
  } catch (thrown) {
    if ((thrown as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBodyBytes)
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `could not decompress gzip body: ${describeThrown(thrown)}`,
    )
  }
}

function tooLarge(limit: number): ClearanceError {
  return new ClearanceError(
    ErrorCodes.resourceTooLarge,
    `request body is larger than the ${limit}-byte limit`,
  )
}

/**
 * Parses JSON text from bytes; `what` names the document in the error ("input document", "request body").
 * Depth and size are bounded before the parser sees the text.
 */
export function parseJsonBytes(
  bytes: Uint8Array,
  what: string,
  limits: JsonShapeLimits = defaultJsonShapeLimits,
): unknown {
  assertJsonShape(bytes, limits)
  // Go's decoder, and so OPA, refuses a byte order mark; TextDecoder would drop it silently.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `body contains malformed ${what}: invalid character 'ï' looking for beginning of value (a UTF-8 byte order mark)`,
    )
  }
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new ClearanceError(ErrorCodes.invalidParameter, `body contains malformed ${what}: not valid UTF-8`)
  }
  try {
    return parseJson(text)
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `body contains malformed ${what}: ${describeThrown(thrown)}`,
    )
  }
}

/** True when the bytes hold nothing but JSON whitespace. */
export function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false
  }
  return true
}
