// JSON with exact numbers and OPA's decoding (last duplicate key wins, lone surrogates become U+FFFD). Integers beyond 2^53 must keep their value from request to policy to response: the
// codec is the one @clearance/rego-builtins uses for Rego values (a lossless parse only when text may hold such an
// integer, native JSON otherwise), so the engine and the builtins read and write numbers alike.
import { parseJson, stringifyJson } from '@clearance/rego-builtins'

export { parseJson, stringifyJson }

/**
 * The UTF-8 bytes of a value's JSON text, ready to hand to a wasm policy. Buffer.from is several times faster than
 * TextEncoder for the small inputs of decisions; small results share Node's buffer pool (callers that need an
 * ArrayBuffer of their own copy, as wasm-policy.ts does).
 */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(stringifyJson(value), 'utf8')
}

/** True for a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
