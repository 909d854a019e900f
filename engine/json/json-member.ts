// Reads one top-level member's value out of an object's JSON text without parsing the rest: a single scan that
// skips strings and nested values. Used for the policy's `reasons`, which every check decision carries, so an
// event does not pay a full parse and re-stringify of its result.

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93
const COMMA = 44

/** Index just past the string that starts at `at` (a quote). */
function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === BACKSLASH) i++
    else if (code === QUOTE) return i + 1
  }
  return -1
}

/** Index of the end of the value that starts at `at`: past its closing bracket, or at the comma/brace after it. */
function skipValue(text: string, at: number): number {
  let depth = 0
  for (let i = at; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      i = skipString(text, i) - 1
      if (i < 0) return -1
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (depth === 0) return i
      depth--
      if (depth === 0) return i + 1
    } else if (code === COMMA && depth === 0) return i
  }
  return depth === 0 ? text.length : -1
}

/**
 * The JSON text of `key`'s value in the object `json` (compact or not); undefined when the text is not an object,
 * has no such member, or spells keys with escapes (the caller then parses, to be exact).
 */
export function topLevelMember(json: string, key: string): { found: boolean; text?: string; exact: boolean } {
  const wanted = `"${key}"`
  let i = 0
  while (i < json.length && json.charCodeAt(i) <= 32) i++
  if (json.charCodeAt(i) !== OPEN_BRACE) return { found: false, exact: true }
  i++
  for (;;) {
    while (i < json.length && (json.charCodeAt(i) <= 32 || json.charCodeAt(i) === COMMA)) i++
    if (i >= json.length || json.charCodeAt(i) === CLOSE_BRACE) return { found: false, exact: true }
    if (json.charCodeAt(i) !== QUOTE) return { found: false, exact: false }
    const keyEnd = skipString(json, i)
    if (keyEnd < 0) return { found: false, exact: false }
    const rawKey = json.slice(i, keyEnd)
    if (rawKey.includes('\\')) return { found: false, exact: false }
    i = keyEnd
    while (i < json.length && json.charCodeAt(i) <= 32) i++
    if (json.charCodeAt(i) !== 58 /* : */) return { found: false, exact: false }
    i++
    while (i < json.length && json.charCodeAt(i) <= 32) i++
    const valueEnd = skipValue(json, i)
    if (valueEnd < 0) return { found: false, exact: false }
    if (rawKey === wanted) return { found: true, text: json.slice(i, valueEnd).trimEnd(), exact: true }
    i = valueEnd
  }
}
