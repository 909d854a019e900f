// The deprecated cast_* builtins (kept for policies written before Rego v1). Each takes an array or a set:
// cast_array gives a set's elements in order as an array, cast_set deduplicates and sorts into a RegoSet.

import type { BuiltinTable } from '../host/index.js'
import { operandTypeError } from '../host/index.js'
import { isObject, RegoSet, setOf } from '../values/index.js'

export function castBuiltins(): BuiltinTable {
  return {
    cast_array: (x) => {
      if (!Array.isArray(x)) throw operandTypeError(1, x, 'array', 'set')
      return x instanceof RegoSet ? [...x] : x
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
