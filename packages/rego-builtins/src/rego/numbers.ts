// numbers.range_step (numbers.range is compiled into the wasm module): integers from a to b, both included,
// `step` apart, counting down when a > b.

import { integerValue, recoverInteger } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, operandError, operandTypeError } from '../host/index.js'

function bigIntOperand(value: unknown, pos: number): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value !== 'number') throw operandTypeError(pos, value, 'integer')
  if (!Number.isInteger(value))
    throw operandError(pos, 'must be integer number but got floating-point number')
  return recoverInteger(value)
}

const MAX_ELEMENTS = 10_000_000

function rangeStep(a: unknown, b: unknown, s: unknown): unknown[] {
  const x = bigIntOperand(a, 1)
  const y = bigIntOperand(b, 2)
  const step = bigIntOperand(s, 3)
  if (step <= 0n) throw new BuiltinError('numbers.range_step: step must be a positive integer')
  const count = (x > y ? x - y : y - x) / step + 1n
  if (count > BigInt(MAX_ELEMENTS)) throw new BuiltinError('numbers.range_step: range too large')
  const out: unknown[] = []
  if (x <= y) for (let i = x; i <= y; i += step) out.push(integerValue(i))
  else for (let i = x; i >= y; i -= step) out.push(integerValue(i))
  return out
}

export function numberBuiltins(): BuiltinTable {
  return { 'numbers.range_step': rangeStep }
}
