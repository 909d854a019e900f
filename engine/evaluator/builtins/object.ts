// object.subset (the rest of object.* is compiled into the wasm module). Sets reach host builtins as arrays, so
// two arrays are compared with OPA's array rule (a contiguous run); set semantics apply inside objects only where
// both sides are arrays, which is the same rule.
import { BuiltinError } from './builtin-error.js'
import type { BuiltinTable } from './host-context.js'
import { isObject } from './operands.js'
import { valuesEqual } from './value-order.js'

function objectSubset(sup: Record<string, unknown>, sub: Record<string, unknown>): boolean {
  for (const key of Object.keys(sub)) {
    if (!Object.hasOwn(sup, key)) return false
    const a = sup[key]
    const b = sub[key]
    if (valuesEqual(a, b)) continue
    if (isObject(a) && isObject(b)) {
      if (!objectSubset(a, b)) return false
      continue
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (!arraySubset(a, b)) return false
      continue
    }
    return false
  }
  return true
}

function arraySubset(sup: unknown[], sub: unknown[]): boolean {
  if (sub.length > sup.length) return false
  let superCursor = 0
  let subCursor = 0
  for (;;) {
    if (subCursor === sub.length) return true
    if (superCursor + subCursor === sup.length) return false
    if (valuesEqual(sup[superCursor + subCursor], sub[subCursor])) {
      subCursor++
    } else {
      superCursor++
      subCursor = 0
    }
  }
}

export function objectBuiltins(): BuiltinTable {
  return {
    'object.subset': (sup, sub) => {
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub)
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub)
      throw new BuiltinError('both arguments object.subset must be of the same type or array and set')
    },
  }
}
