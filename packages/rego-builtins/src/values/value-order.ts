// Rego's total order over values (OPA's ast.Compare) restricted to what reaches a host builtin:
// null < booleans < numbers < strings < arrays < objects < sets. Builtins whose OPA result is a set return a
// RegoSet of its elements, sorted and duplicate-free in this order (setOf).
import { isObject } from './json-value.js'
import { RegoSet } from './rego-set.js'

const RANK: Record<string, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  bigint: 2,
  string: 3,
  array: 4,
  object: 5,
}

function rank(value: unknown): number {
  if (value === null) return 0
  if (value instanceof RegoSet) return 6
  if (Array.isArray(value)) return 4
  return RANK[typeof value] ?? 7
}

/** Compares strings by Unicode code point, which is Go's byte-wise UTF-8 order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0
    const y = b.codePointAt(i) ?? 0
    if (x !== y) return x < y ? -1 : 1
    if (x > 0xffff) i++
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}

function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  // Mixed bigint/number comparisons are exact in JS.
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra < rb ? -1 : 1
  switch (ra) {
    case 0:
      return 0
    case 1:
      return a === b ? 0 : a === false ? -1 : 1
    case 2:
      return compareNumbers(a as number | bigint, b as number | bigint)
    case 3:
      return compareStrings(a as string, b as string)
    // A set compares like the array of its elements in order (OPA's set.Compare), which a RegoSet holds.
    case 4:
    case 6: {
      const x = a as unknown[]
      const y = b as unknown[]
      const n = Math.min(x.length, y.length)
      for (let i = 0; i < n; i++) {
        const c = compareValues(x[i], y[i])
        if (c !== 0) return c
      }
      return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1
    }
    case 5: {
      const x = a as Record<string, unknown>
      const y = b as Record<string, unknown>
      const xk = Object.keys(x).sort(compareStrings)
      const yk = Object.keys(y).sort(compareStrings)
      const n = Math.min(xk.length, yk.length)
      for (let i = 0; i < n; i++) {
        const kx = xk[i] as string
        const ky = yk[i] as string
        const c = compareStrings(kx, ky)
        if (c !== 0) return c
        const v = compareValues(x[kx], y[ky])
        if (v !== 0) return v
      }
      return xk.length < yk.length ? -1 : xk.length === yk.length ? 0 : 1
    }
    default:
      return 0
  }
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return compareValues(a, b) === 0
}

/** The Rego set of `values`: a RegoSet of them sorted in OPA's order, without duplicates. */
export function setOf<T>(values: Iterable<T>): RegoSet<T> {
  const sorted = [...values].sort(compareValues)
  const out = new RegoSet<T>()
  for (const v of sorted) {
    if (out.length === 0 || compareValues(out[out.length - 1], v) !== 0) out.push(v)
  }
  return out
}

/** Whether the sorted elements of a RegoSet include `value` (binary search in OPA's order). */
export function setHas(set: RegoSet, value: unknown): boolean {
  let lo = 0
  let hi = set.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const c = compareValues(set[mid], value)
    if (c === 0) return true
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** Object keys in Rego order. */
export function sortedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object).sort(compareStrings)
}

export { isObject }
