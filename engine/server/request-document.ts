// A request body read the way OPA reads one: YAML when the Content-Type names yaml (OPA looks for "yaml" anywhere
// in it: application/yaml, application/x-yaml, text/yaml), JSON otherwise. Says whether the body's own bytes may
// go to the policy as they are: not for YAML, and not when JSON text holds a surrogate escape the codec rewrites.
import { parse as parseYaml } from 'yaml'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { assertJsonShape, defaultJsonShapeLimits, encodeJson, type JsonShapeLimits } from '../json/index.js'
import { parseJsonBytes } from './request-body.js'

export interface RequestDocument {
  value: unknown
  /** True when members of the body's bytes are exactly the JSON the policy should read. */
  bytesExact: boolean
}

/** True when the bytes hold a \\uD800–\\uDFFF escape (a byte scan: no decode on the hot path). */
function hasSurrogateEscapeBytes(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x5c); i !== -1 && i < bytes.length - 3; i = bytes.indexOf(0x5c, i + 1)) {
    if (bytes[i + 1] !== 0x75 || (bytes[i + 2]! | 0x20) !== 0x64) continue
    const next = bytes[i + 3]! | 0x20
    if ((next >= 0x38 && next <= 0x39) || (next >= 0x61 && next <= 0x66)) return true
  }
  return false
}

/** Whether a body of this Content-Type is YAML. */
export function isYamlBody(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().includes('yaml') === true
}

function parseYamlBytes(bytes: Uint8Array, what: string, limits: JsonShapeLimits): unknown {
  let value: unknown
  try {
    // YAML 1.2 core schema (yes/on stay strings, as in OPA); the last of duplicate keys wins, as in OPA.
    value = parseYaml(new TextDecoder('utf-8', { fatal: true }).decode(bytes), { uniqueKeys: false })
  } catch (thrown) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      `body contains malformed ${what}: yaml: ${describeThrown(thrown).split('\n')[0]}`,
    )
  }
  // Anchors and aliases can make a small text a deep or large document: bound the JSON it becomes.
  assertJsonShape(encodeJson(value ?? null), limits)
  return value ?? null
}

/** Decodes a body of `what` ("input document") from its bytes, by the request's Content-Type. */
export function decodeRequestDocument(
  contentType: string | undefined,
  bytes: Uint8Array,
  what: string,
  limits: JsonShapeLimits = defaultJsonShapeLimits,
): RequestDocument {
  if (isYamlBody(contentType)) return { value: parseYamlBytes(bytes, what, limits), bytesExact: false }
  const value = parseJsonBytes(bytes, what, limits)
  return { value, bytesExact: !hasSurrogateEscapeBytes(bytes) }
}
