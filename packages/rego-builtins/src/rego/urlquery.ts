// urlquery.* with Go's net/url rules: QueryEscape keeps only [A-Za-z0-9-_.~] and writes spaces as '+',
// QueryUnescape rejects malformed escapes, ParseQuery rejects ';' separators, Encode sorts by key.
import { BuiltinError, operandError, operandTypeError } from './builtin-error.js'
import type { BuiltinTable } from './host-context.js'
import { isObject, stringOperand } from './operands.js'
import { compareStrings } from './value-order.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function queryEscape(s: string): string {
  let out = ''
  for (const byte of encoder.encode(s)) {
    const c = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Go's url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        const bad = s.slice(i, i + 3)
        throw new BuiltinError(`invalid URL escape ${JSON.stringify(bad)}`)
      }
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else if (c === '+') {
      bytes.push(0x20)
    } else {
      for (const b of encoder.encode(c)) bytes.push(b)
    }
  }
  return decoder.decode(new Uint8Array(bytes))
}

function parseQuery(query: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  let firstError: BuiltinError | undefined
  for (const part of query.split('&')) {
    if (part === '') continue
    if (part.includes(';')) {
      firstError ??= new BuiltinError('invalid semicolon separator in query')
      continue
    }
    const eq = part.indexOf('=')
    const rawKey = eq < 0 ? part : part.slice(0, eq)
    const rawValue = eq < 0 ? '' : part.slice(eq + 1)
    let key: string
    let value: string
    try {
      key = queryUnescape(rawKey)
      value = queryUnescape(rawValue)
    } catch (error) {
      firstError ??= error as BuiltinError
      continue
    }
    if (!Object.hasOwn(out, key)) out[key] = []
    out[key]?.push(value)
  }
  if (firstError !== undefined) throw firstError
  return out
}

function encodeObject(value: unknown): string {
  if (!isObject(value)) throw operandTypeError(1, value, 'object')
  const pairs: string[] = []
  for (const key of Object.keys(value).sort(compareStrings)) {
    const v = value[key]
    const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined
    if (values === undefined || values.some((x) => typeof x !== 'string')) {
      throw operandError(1, 'values must be string, array[string], or set[string]')
    }
    for (const item of values as string[]) pairs.push(`${queryEscape(key)}=${queryEscape(item)}`)
  }
  return pairs.join('&')
}

export function urlqueryBuiltins(): BuiltinTable {
  return {
    'urlquery.encode': (s) => queryEscape(stringOperand(s, 1)),
    'urlquery.decode': (s) => queryUnescape(stringOperand(s, 1)),
    'urlquery.encode_object': encodeObject,
    'urlquery.decode_object': (s) => parseQuery(stringOperand(s, 1)),
  }
}
