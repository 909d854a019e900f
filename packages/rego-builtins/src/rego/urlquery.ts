// urlquery.* with Go's net/url rules (escaping in go-query-escape.ts): ParseQuery rejects ';' separators, Encode
// sorts by key.

import { queryEscape, queryUnescape } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, operandError, operandTypeError, stringOperand } from '../host/index.js'
import { compareStrings, isObject } from '../values/index.js'

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
