// JSON text with exact numbers, the package's own codec (it depends on no host code), read as OPA reads JSON:
// integers beyond 2^53 keep their value (bigint), numbers no float64 holds (1e400, 1e-400) keep their text
// (OutOfRangeNumber), a duplicate key takes its last value, and a lone UTF-16 surrogate escape becomes U+FFFD.
// Text that might hold such a number takes a lossless parse; everything else the much faster JSON.parse.
// Stringify mirrors that: native first, lossless only when an exact number is present.
import {
  getUnsafeNumberReason,
  isInteger,
  parse as losslessParse,
  stringify as losslessStringify,
  UnsafeNumberReason,
} from 'lossless-json'
import { OutOfRangeNumber } from './out-of-range-number.js'

// 16+ consecutive digits, or an exponent of 3+ digits, is the cheapest sign that a number may not fit a double
// exactly; a false positive (such a run inside a string) only costs the slower parse.
const MAYBE_INEXACT = /\d{16}|[eE][+-]?\d{3}/
// A \uD800–\uDFFF escape: the text may hold a lone surrogate, which OPA (Go) reads as U+FFFD.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/

function parseNumber(text: string): number | bigint | OutOfRangeNumber {
  const reason = getUnsafeNumberReason(text)
  if (reason === undefined || reason === UnsafeNumberReason.truncate_float) return Number.parseFloat(text)
  if (reason === UnsafeNumberReason.truncate_integer && isInteger(text)) return BigInt(text)
  if (reason === UnsafeNumberReason.overflow || reason === UnsafeNumberReason.underflow) {
    return new OutOfRangeNumber(text)
  }
  return Number.parseFloat(text)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function wellFormedString(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD')
}

const lastWins = ({ newValue }: { newValue: unknown }): unknown => newValue

/** Strings (keys included) with every lone surrogate replaced by U+FFFD, as Go's decoder does. */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedString(value)
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(wellFormed)
  if (value instanceof OutOfRangeNumber) return value
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, wellFormedString(key), {
      value: wellFormed(item),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

/**
 * Parses JSON text; throws SyntaxError on malformed text. Unsafe integers come back as bigint, numbers out of a
 * float64's range as OutOfRangeNumber; duplicate keys keep the last value on every path.
 */
export function parseJson(text: string): unknown {
  const value = MAYBE_INEXACT.test(text)
    ? losslessParse(text, null, { parseNumber, onDuplicateKey: lastWins })
    : JSON.parse(text)
  return SURROGATE_ESCAPE.test(text) ? wellFormed(value) : value
}

function hasExactNumber(value: unknown, depth = 0): boolean {
  if (typeof value === 'bigint' || value instanceof OutOfRangeNumber) return true
  if (value === null || typeof value !== 'object' || depth > 10_000) return false
  if (Array.isArray(value)) return value.some((item) => hasExactNumber(item, depth + 1))
  for (const key in value) {
    if (hasExactNumber((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

const exactNumbers = [
  {
    test: (value: unknown) => value instanceof OutOfRangeNumber,
    stringify: (value: unknown) => (value as OutOfRangeNumber).text,
  },
]

/** Stringifies a JSON value; bigint and OutOfRangeNumber values are written as their exact digits. */
export function stringifyJson(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent)
  } catch (error) {
    if (!(error instanceof TypeError) || !hasExactNumber(value)) throw error
    return losslessStringify(value, null, indent, exactNumbers) ?? 'null'
  }
}
