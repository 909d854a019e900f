// sprintf with Go's fmt semantics, as OPA implements it: numbers become int64, *big.Int or float64, strings
// stay strings, and any other value is passed as its Rego text (so %v of an array prints `["a", 1]`).
// opa-wasm has its own sprintf (sprintf-js); opa-wasm-table.ts makes opa-wasm call this one instead.
//
// Arguments arrive JSON-decoded, which loses what OPA reads from a number's text: 1.0 arrives as 1 and
// integers beyond 2^53 arrive rounded. An integral number therefore counts as int64 — except under a float
// verb (%e %E %f %F %g %G), where OPA would have seen the "1.0" text and Go's alternative is an error string.

import { type GoArg, goSprintf, recoverInteger, regoText } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { arrayOperand, stringOperand } from '../host/index.js'
import { OutOfRangeNumber } from '../values/index.js'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function floatVerbArgs(format: string): Set<number> {
  // Which argument positions a float verb consumes, for the simple sequential case (no [n] or *).
  const out = new Set<number>()
  if (/%[^%a-zA-Z]*[[*]/.test(format)) return out
  let n = 0
  const re = /%[-+# 0]*\d*(?:\.\d*)?([a-zA-Z%])/g
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    if (m[1] === '%') continue
    if ('eEfFgG'.includes(m[1] as string)) out.add(n)
    n++
  }
  return out
}

function toGoArg(value: unknown, floatVerb: boolean): GoArg {
  if (typeof value === 'string') return { kind: 'string', value }
  if (typeof value === 'bigint') {
    return value >= INT64_MIN && value <= INT64_MAX ? { kind: 'int64', value } : { kind: 'bigint', value }
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || floatVerb) return { kind: 'float64', value }
    const big = recoverInteger(value)
    return big >= INT64_MIN && big <= INT64_MAX
      ? { kind: 'int64', value: big }
      : { kind: 'bigint', value: big }
  }
  // OPA hands fmt a number no float64 holds as its text
  if (value instanceof OutOfRangeNumber) return { kind: 'string', value: value.text }
  return { kind: 'string', value: regoText(value) }
}

function sprintf(format: unknown, values: unknown): string {
  const f = stringOperand(format, 1)
  const args = arrayOperand(values, 2)
  const floats = floatVerbArgs(f)
  return goSprintf(
    f,
    args.map((a, i) => toGoArg(a, floats.has(i))),
  )
}

export function sprintfBuiltins(): BuiltinTable {
  return { sprintf }
}
