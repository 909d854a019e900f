// The deprecated cast_* builtins (kept for policies written before Rego v1). A set reaches a host builtin as an
// array, so cast_set and cast_array both see arrays; cast_set deduplicates and sorts like a set.
import { operandTypeError } from './builtin-error.js'
import type { BuiltinTable } from './host-context.js'
import { isObject } from './operands.js'
import { setOf } from './value-order.js'

export function castBuiltins(): BuiltinTable {
  return {
    cast_array: (x) => {
      if (!Array.isArray(x)) throw operandTypeError(1, x, 'array', 'set')
      return x
    },
    cast_set: (x) => {
      if (!Array.isArray(x)) throw operandTypeError(1, x, 'array', 'set')
      return setOf(x)
    },
    cast_string: (x) => {
      if (typeof x !== 'string') throw operandTypeError(1, x, 'string')
      return x
    },
    cast_boolean: (x) => {
      if (typeof x !== 'boolean') throw operandTypeError(1, x, 'boolean')
      return x
    },
    cast_null: (x) => {
      if (x !== null) throw operandTypeError(1, x, 'null')
      return x
    },
    cast_object: (x) => {
      if (!isObject(x)) throw operandTypeError(1, x, 'object')
      return x
    },
  }
}
