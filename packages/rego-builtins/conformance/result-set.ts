// Compares a wasm result set with a case's want_result the way OPA's wasm SDK harness does
// (internal/wasm/sdk/test/e2e/external_test.go, assertResultSet): both sides become sets of binding objects,
// values compare as Rego values (numbers by value, objects by content), and with sort_bindings every array
// bound at the top level of a result row is sorted first.

import { regoText } from '../src/go/index.js'
import { compareValues } from '../src/values/index.js'

type Row = Record<string, unknown>

function normalizeRows(rows: readonly Row[], sortBindings: boolean): unknown[] {
  const normalized = rows.map((row) => {
    if (!sortBindings) return row
    const out: Row = {}
    for (const [k, v] of Object.entries(row)) out[k] = Array.isArray(v) ? [...v].sort(compareValues) : v
    return out
  })
  const sorted = normalized.sort(compareValues)
  return sorted.filter((row, i) => i === 0 || compareValues(sorted[i - 1], row) !== 0)
}

export function resultSetsEqual(want: readonly Row[], got: readonly Row[], sortBindings: boolean): boolean {
  const a = normalizeRows(want, false)
  const b = normalizeRows(got, sortBindings)
  return a.length === b.length && a.every((row, i) => compareValues(row, b[i]) === 0)
}

export function describeRows(rows: readonly Row[]): string {
  return regoText(rows)
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep).sort(compareValues)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Row).map(([k, x]) => [k, sortDeep(x)]))
  }
  return v
}

/** Equal once every array, at any depth, is sorted: the difference is only element order. */
export function equalIgnoringOrder(want: readonly Row[], got: readonly Row[]): boolean {
  return compareValues(sortDeep(want), sortDeep(got)) === 0
}
