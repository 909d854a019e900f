// The one member scanner. Where a top-level member's value sits in a JSON object's bytes, so a request's `input` can go to the policy as
// the bytes the client sent instead of being stringified again after parsing. Only meaningful for text that has
// parsed as valid JSON; the scan trusts the syntax.
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  isSpace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from './json-syntax.js'

export interface ByteSpan {
  start: number
  end: number
}

/** True when bytes[start, end) spell `name` (compared as char codes: an ASCII name; others never match). */
function keyEquals(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false
  return true
}

/** The end of a value that stops before `at`, trailing whitespace left out. */
function trimmedEnd(bytes: Uint8Array, start: number, at: number): number {
  let end = at
  while (end > start && isSpace(bytes[end - 1]!)) end--
  return end
}

/** A top-level key written with escapes: the scan cannot compare it without decoding, so the caller parses. */
export const ESCAPED_KEY: ByteSpan = Object.freeze({ start: -1, end: -1 })

/**
 * The span of the value of the last top-level member named `name` (JSON.parse keeps the last of duplicate keys),
 * undefined when there is none, or ESCAPED_KEY when a top-level key is written with escapes (the caller then falls
 * back to the parsed value). `name` is ASCII. Runs on every Data API request: no allocation but the result.
 */
export function topLevelMemberSpan(bytes: Uint8Array, name: string): ByteSpan | undefined {
  let depth = 0
  let expectKey = false
  let current = false
  let valueStart = -1
  let found: ByteSpan | undefined
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    if (byte === QUOTE) {
      const start = i + 1
      let escaped = false
      for (i = start; i < bytes.length && bytes[i] !== QUOTE; i++) {
        if (bytes[i] === BACKSLASH) {
          escaped = true
          i++
        }
      }
      if (depth === 1 && expectKey) {
        if (escaped) return ESCAPED_KEY
        current = keyEquals(bytes, start, i, name)
        expectKey = false
      }
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++
      if (depth === 1) expectKey = true
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (depth === 1 && current) {
        found = { start: valueStart, end: trimmedEnd(bytes, valueStart, i) }
        current = false
      }
      depth--
    } else if (depth === 1 && byte === COMMA) {
      if (current) {
        found = { start: valueStart, end: trimmedEnd(bytes, valueStart, i) }
        current = false
      }
      expectKey = true
    } else if (depth === 1 && byte === COLON && current) {
      valueStart = i + 1
      while (valueStart < bytes.length && isSpace(bytes[valueStart]!)) valueStart++
    }
  }
  return found
}

/**
 * The JSON text of the last top-level member `name` of an object's JSON text, by the same scan over its UTF-8
 * bytes. `exact` is false when the scan cannot tell (an escaped key): the caller then parses.
 */
export function topLevelMember(
  json: string,
  name: string,
): { found: boolean; text?: string; exact: boolean } {
  let first = 0
  while (first < json.length && isSpace(json.charCodeAt(first))) first++
  if (json.charCodeAt(first) !== OPEN_BRACE) return { found: false, exact: true }
  const bytes = Buffer.from(json, 'utf8')
  const span = topLevelMemberSpan(bytes, name)
  if (span === undefined) return { found: false, exact: true }
  if (span === ESCAPED_KEY) return { found: false, exact: false }
  return { found: true, text: bytes.toString('utf8', span.start, span.end), exact: true }
}
