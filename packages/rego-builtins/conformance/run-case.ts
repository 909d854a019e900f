// Evaluates one compiled case through the injected policy loader with the package's builtins and judges the
// outcome with the rules of OPA's wasm SDK harness (assert in internal/wasm/sdk/test/e2e/external_test.go):
//  - want_defined / want_result: no error, and the result set is (un)defined / equal;
//  - want_error_code / want_error with strict_error: the error shows only with strict builtin errors, which the
//    wasm target does not have, so the result set must be empty;
//  - otherwise an error is required, and eval_conflict_error must be a conflict error.
import { readFileSync } from 'node:fs'
// The builtins come through the package's own name, so they are the very module the loader's host resolves
// (it recognises them as this package's, and bridges values to them).
import { type Builtin, createBuiltins } from '@clearance/rego-builtins'
import { parseJson } from '../src/values/index.js'
import type { CompiledCase } from './case-manifest.js'
import type { PolicyLoader } from './policy-loader.js'
import { describeRows, equalIgnoringOrder, resultSetsEqual } from './result-set.js'

export type CaseOutcome = { status: 'passed' } | { status: 'failed'; category: string; detail: string }

type Row = Record<string, unknown>

const encoder = new TextEncoder()

/** test.sleep, which OPA's harness registers for its time-caching case. */
function testSleep(duration: unknown): null {
  const m = /^(\d+)(ms|s)$/.exec(String(duration))
  const ms = m === null ? 0 : Number(m[1]) * (m[2] === 's' ? 1000 : 1)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  return null
}

const harnessBuiltins: Record<string, Builtin> = { 'test.sleep': testSleep }

function fail(category: string, detail: string): CaseOutcome {
  return { status: 'failed', category, detail }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function runCase(c: CompiledCase, loader: PolicyLoader): Promise<CaseOutcome> {
  if (c.compileError !== undefined || c.wasm === undefined) {
    const firstLine = (c.compileError ?? 'no wasm').split('\n').slice(0, 3).join(' | ')
    const missing = /undefined function ([\w.]+)/.exec(c.compileError ?? '')?.[1]
    return fail(missing === undefined ? 'compile error' : `builtin not supplied: ${missing}`, firstLine)
  }
  let rows: Row[] | undefined
  let error: unknown
  try {
    const policy = await loader.load(readFileSync(c.wasm), encoder.encode(c.data ?? '{}'), {
      builtins: createBuiltins({ extra: harnessBuiltins }),
    })
    const entrypoint = policy.entrypoints.values().next().value
    if (entrypoint === undefined) return fail('compile error', 'module has no entrypoint')
    const text = policy.evaluate(entrypoint, c.input === undefined ? undefined : encoder.encode(c.input))
    rows = parseJson(text) as Row[]
  } catch (thrown) {
    error = thrown
  }

  if (c.wantDefined !== undefined) {
    if (rows === undefined) return fail('unexpected error', describeError(error))
    const defined = rows.length > 0
    return defined === c.wantDefined
      ? { status: 'passed' }
      : fail('wrong result', `want ${c.wantDefined ? 'defined' : 'undefined'}, got ${describeRows(rows)}`)
  }
  if (c.wantResult !== undefined) {
    if (rows === undefined) return fail('unexpected error', describeError(error))
    if (resultSetsEqual(c.wantResult, rows, c.sortBindings === true)) return { status: 'passed' }
    // The evaluator returns sets as JSON arrays in the wasm module's hash order, where OPA sorts them; tell
    // that apart from a wrong value.
    const category = equalIgnoringOrder(c.wantResult, rows) ? 'set order' : 'wrong result'
    return fail(category, `want ${describeRows(c.wantResult)}, got ${describeRows(rows)}`)
  }
  if (c.wantErrorCode !== undefined || c.wantError !== undefined) {
    if (c.strictError === true) {
      if (rows === undefined) return fail('unexpected error', describeError(error))
      return rows.length === 0
        ? { status: 'passed' }
        : fail(
            'wrong result',
            `want no result (non-strict ${c.wantErrorCode ?? 'error'}), got ${describeRows(rows)}`,
          )
    }
    if (rows !== undefined)
      return fail('missing error', `want ${c.wantErrorCode ?? c.wantError}, got ${describeRows(rows)}`)
    const message = describeError(error)
    if (c.wantErrorCode === 'eval_conflict_error') {
      return /var assignment conflict|object insert conflict/.test(message)
        ? { status: 'passed' }
        : fail('wrong error', `want a conflict error, got: ${message}`)
    }
    return fail(
      'wrong error',
      `want ${c.wantErrorCode ?? c.wantError} (unmatched in OPA's harness too), got: ${message}`,
    )
  }
  return { status: 'passed' }
}
