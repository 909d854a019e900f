// Reads a request body as JSON: bounded size, optional gzip (Content-Encoding: gzip, as OPA accepts), UTF-8,
// and exact numbers. Every problem is an invalid_parameter (400) or resource_too_large (413) naming the cause.
import { gunzipSync } from 'node:zlib'
import type { Context } from 'hono'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { parseJson } from '../evaluator/json-codec.js'
import { assertJsonShape, defaultJsonShapeLimits, type JsonShapeLimits } from './json-shape.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

export interface BodyOptions {
  maxBodyBytes: number
}

/** The body's bytes, decompressed when the client sent gzip. Empty bodies give an empty array. */
export async function readBodyBytes(c: Context, { maxBodyBytes }: BodyOptions): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  if (declared > maxBodyBytes) throw tooLarge(maxBodyBytes)
  const raw = new Uint8Array(await c.req.arrayBuffer())
  if (raw.byteLength > maxBodyBytes) throw tooLarge(maxBodyBytes)
  const encoding = c.req.header('content-encoding')?.trim().toLowerCase()
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
