// Go's encoding/json.Marshal for JSON values, which OPA uses wherever bytes are signed or hashed (JWT headers
// and payloads): object keys sorted, no whitespace, and Go's string escaping (<, >, & and U+2028/U+2029 as \u
// escapes, other control characters as \u00XX).

import { compareStrings, isObject } from '../values/index.js'
import { numberText } from './go-quote.js'

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

export function goJsonString(s: string, escapeHtml = true): string {
  let out = '"'
  for (const ch of s) {
    const esc = ESCAPES[ch]
    if (esc !== undefined && (escapeHtml || !'<>&'.includes(ch))) {
      out += esc
      continue
    }
    const c = ch.codePointAt(0) ?? 0
    if (c < 0x20) out += `\\u${c.toString(16).padStart(4, '0')}`
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'
    else out += ch
  }
  return `${out}"`
}

/** json.Marshal of a JSON value. */
export function goJsonMarshal(value: unknown, escapeHtml = true): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return goJsonString(value, escapeHtml)
  if (typeof value === 'number' || typeof value === 'bigint') return numberText(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map((v) => goJsonMarshal(v, escapeHtml)).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort(compareStrings)
    return `{${keys.map((k) => `${goJsonString(k, escapeHtml)}:${goJsonMarshal(value[k], escapeHtml)}`).join(',')}}`
  }
  return 'null'
}
