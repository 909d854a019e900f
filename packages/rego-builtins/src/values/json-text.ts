// JSON text with exact numbers, the package's own codec (it depends on no host code): integers beyond 2^53 keep
// their value, so text that might hold one takes a lossless parse (bigint for such integers); everything else the
// much faster JSON.parse. Stringify mirrors that: native first, lossless only when a bigint is present.
import {
  getUnsafeNumberReason,
  isInteger,
  parse as losslessParse,
  stringify as losslessStringify,
  UnsafeNumberReason,
} from 'lossless-json'

// 16+ consecutive digits is the cheapest sign that a number may not fit a double exactly; a false positive
// (a long digit run inside a string) only costs the slower parse.
const LONG_DIGIT_RUN = /\d{16}/

function parseNumber(text: string): number | bigint {
  const reason = getUnsafeNumberReason(text)
  if (reason === undefined || reason === UnsafeNumberReason.truncate_float) return Number.parseFloat(text)
  if (reason === UnsafeNumberReason.truncate_integer && isInteger(text)) return BigInt(text)
  return Number.parseFloat(text)
}

/** Parses JSON text; throws SyntaxError on malformed text. Unsafe integers come back as bigint. */
export function parseJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text)
  return losslessParse(text, null, parseNumber)
}

function hasBigInt(value: unknown, depth = 0): boolean {
  if (typeof value === 'bigint') return true
  if (value === null || typeof value !== 'object' || depth > 10_000) return false
  if (Array.isArray(value)) return value.some((item) => hasBigInt(item, depth + 1))
  for (const key in value) {
    if (hasBigInt((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

/** Stringifies a JSON value; bigint values are written as exact integers. */
export function stringifyJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent)
  } catch (error) {
    if (!(error instanceof TypeError) || !hasBigInt(value)) throw error
    return losslessStringify(value, null, indent) ?? 'null'
  }
}
