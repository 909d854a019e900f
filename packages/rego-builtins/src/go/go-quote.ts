// Go's strconv.Quote and the Rego text of a value (ast.Value.String()), which sprintf's %v of a composite
// value, error messages and a few builtins print.
import { isObject, RegoSet, sortedKeys } from '../values/index.js'

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0')
}

/** strconv.Quote: a double-quoted Go string literal with Go's escapes for non-printable runes. */
export function goQuote(s: string, asciiOnly = false): string {
  let out = '"'
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0
    switch (ch) {
      case '"':
        out += '\\"'
        continue
      case '\\':
        out += '\\\\'
        continue
      case '\x07':
        out += '\\a'
        continue
      case '\b':
        out += '\\b'
        continue
      case '\f':
        out += '\\f'
        continue
      case '\n':
        out += '\\n'
        continue
      case '\r':
        out += '\\r'
        continue
      case '\t':
        out += '\\t'
        continue
      case '\v':
        out += '\\v'
        continue
    }
    if (r >= 0xd800 && r <= 0xdfff) {
      // A lone surrogate cannot come from valid UTF-8; Go would print the replacement character.
      out += asciiOnly ? '\\ufffd' : '\ufffd'
    } else if (asciiOnly ? r >= 0x20 && r < 0x7f : PRINTABLE.test(ch)) {
      out += ch
    } else if (r < 0x20 || r === 0x7f) {
      out += `\\x${hex(r, 2)}`
    } else if (r < 0x10000) {
      out += `\\u${hex(r, 4)}`
    } else {
      out += `\\U${hex(r, 8)}`
    }
  }
  return `${out}"`
}

/** The text Go's json.Number / OPA's ast.Number holds for a decoded JSON number. */
export function numberText(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString()
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0)
  return String(n)
}

/** OPA's ast.Value.String() for a host value: Rego syntax with sorted object keys, sets as `{…}` or `set()`. */
export function regoText(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return goQuote(value)
  if (typeof value === 'number' || typeof value === 'bigint') return numberText(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof RegoSet) return value.length === 0 ? 'set()' : `{${value.map(regoText).join(', ')}}`
  if (Array.isArray(value)) return `[${value.map(regoText).join(', ')}]`
  if (isObject(value)) {
    const parts = sortedKeys(value).map((k) => `${goQuote(k)}: ${regoText(value[k])}`)
    return `{${parts.join(', ')}}`
  }
  return String(value)
}
