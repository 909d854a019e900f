// Typed access to builtin arguments. Through the value bridge (host-value-bridge.ts) sets arrive as RegoSet and
// integers beyond 2^53 as bigint; a call outside it sees JSON (sets as arrays). These helpers check types the way
// OPA's topdown/builtins operand helpers do and raise the same operand errors.

import { isObject, type JsonObject, RegoSet } from '../values/index.js'
import { BuiltinError, operandError, operandTypeError } from './builtin-error.js'

export function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint'
}

export function stringOperand(value: unknown, pos: number): string {
  if (typeof value !== 'string') throw operandTypeError(pos, value, 'string')
  return value
}

export function numberOperand(value: unknown, pos: number): number {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value !== 'number') throw operandTypeError(pos, value, 'number')
  return value
}

/** An integral number operand (OPA's builtins.IntOperand). */
export function intOperand(value: unknown, pos: number): number {
  const n = numberOperand(value, pos)
  if (!Number.isInteger(n)) throw operandError(pos, 'must be integer number but got floating-point number')
  return n
}

export function arrayOperand(value: unknown, pos: number): unknown[] {
  if (!Array.isArray(value) || value instanceof RegoSet) throw operandTypeError(pos, value, 'array')
  return value
}

/** A set operand; a set reaches a builtin called outside the value bridge as an array, so one is accepted too. */
export function setOperand(value: unknown, pos: number): unknown[] {
  if (!Array.isArray(value)) throw operandTypeError(pos, value, 'set')
  return value
}

export function objectOperand(value: unknown, pos: number): JsonObject {
  if (!isObject(value)) throw operandTypeError(pos, value, 'object')
  return value
}

export function booleanOperand(value: unknown, pos: number): boolean {
  if (typeof value !== 'boolean') throw operandTypeError(pos, value, 'boolean')
  return value
}

/** Raises a BuiltinError unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new BuiltinError(message)
}
