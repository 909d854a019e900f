// String builtins that OPA's wasm compiler does not implement natively (see native-builtins.ts): indexof_n,
// strings.count, strings.any_prefix_match / any_suffix_match and strings.split_n. Indexes count Unicode code
// points, like OPA's rune-based implementations.

import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, intOperand, operandTypeError, stringOperand } from '../host/index.js'

function codePoints(s: string): string[] {
  return [...s]
}

function indexOfN(base: unknown, search: unknown): number[] {
  const s = codePoints(stringOperand(base, 1))
  const needle = codePoints(stringOperand(search, 2))
  if (needle.length === 0) throw new BuiltinError('empty search character')
  const out: number[] = []
  outer: for (let i = 0; i + needle.length <= s.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (s[i + j] !== needle[j]) continue outer
    }
    out.push(i)
  }
  return out
}

/** Go's strings.Count: non-overlapping occurrences; an empty substring counts code points + 1. */
function stringsCount(s: unknown, sub: unknown): number {
  const text = stringOperand(s, 1)
  const needle = stringOperand(sub, 2)
  if (needle === '') return codePoints(text).length + 1
  let count = 0
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++
  return count
}

function stringList(value: unknown, pos: number): string[] | string {
  if (typeof value === 'string') return value
  if (!Array.isArray(value)) throw operandTypeError(pos, value, 'string', 'set', 'array')
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new BuiltinError(
        `operand ${pos} must be array of strings but got array containing ${typeof item}`,
      )
    }
  }
  return value as string[]
}

function anyAffixMatch(search: unknown, base: unknown, suffix: boolean): boolean {
  const strs = stringList(search, 1)
  const bases = stringList(base, 2)
  const match = suffix
    ? (s: string, affix: string) => s.endsWith(affix)
    : (s: string, affix: string) => s.startsWith(affix)
  const all = typeof strs === 'string' ? [strs] : strs
  const affixes = typeof bases === 'string' ? [bases] : bases
  return all.some((s) => affixes.some((a) => match(s, a)))
}

/** Go's strings.Split (an empty separator splits into code points). */
export function goStringsSplit(text: string, sep: string, limit = -1): string[] {
  if (limit === 0) return []
  if (sep === '') {
    const cps = codePoints(text)
    if (limit < 0 || limit >= cps.length) return cps
    return [...cps.slice(0, limit - 1), cps.slice(limit - 1).join('')]
  }
  const parts: string[] = []
  let start = 0
  while (limit < 0 || parts.length < limit - 1) {
    const at = text.indexOf(sep, start)
    if (at < 0) break
    parts.push(text.slice(start, at))
    start = at + sep.length
  }
  parts.push(text.slice(start))
  return parts
}

function splitN(s: unknown, d: unknown, count: unknown): string[] {
  const text = stringOperand(s, 1)
  const delim = stringOperand(d, 2)
  const n = intOperand(count, 3)
  if (n >= 0) {
    const parts = goStringsSplit(text, delim, n + 1 > Number.MAX_SAFE_INTEGER ? -1 : n + 1)
    return parts.slice(0, Math.min(n, parts.length))
  }
  const parts = goStringsSplit(text, delim)
  return parts.slice(Math.max(parts.length + n, 0))
}

export function stringBuiltins(): BuiltinTable {
  return {
    indexof_n: indexOfN,
    'strings.count': stringsCount,
    'strings.any_prefix_match': (a, b) => anyAffixMatch(a, b, false),
    'strings.any_suffix_match': (a, b) => anyAffixMatch(a, b, true),
    'strings.split_n': splitN,
  }
}
