// object.subset (the rest of object.* is compiled into the wasm module), OPA's rules: objects recurse key by key,
// sets test membership, arrays look for a contiguous run, and an array contains a set when it holds all of its
// elements. A set only reaches this builtin as a RegoSet through the value bridge; without it, sets are arrays.

import type { BuiltinTable } from '../host/index.js'
import { BuiltinError } from '../host/index.js'
import { isObject, RegoSet, setHas, valuesEqual } from '../values/index.js'

function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && !(value instanceof RegoSet)
}

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
    if (a instanceof RegoSet && b instanceof RegoSet) {
      if (!setSubset(a, b)) return false
      continue
    }
    if (isArray(a) && isArray(b)) {
      if (!arraySubset(a, b)) return false
      continue
    }
    return false
  }
  return true
}

function setSubset(sup: RegoSet, sub: RegoSet): boolean {
  return sub.every((item) => setHas(sup, item))
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

/**
 * OPA's arraySetSubset, quirks included: it counts the array's items that the set holds (a repeated item counts
 * each time) and answers true once the count reaches the set's size, checked after each item, so an empty set is
 * in every array but the empty one.
 */
function arraySetSubset(sup: unknown[], sub: RegoSet): boolean {
  let unmatched = sub.length
  for (const item of sup) {
    if (setHas(sub, item)) unmatched--
    if (unmatched === 0) return true
  }
  return false
}

export function objectBuiltins(): BuiltinTable {
  return {
    'object.subset': (sup, sub) => {
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub)
      if (sup instanceof RegoSet && sub instanceof RegoSet) return setSubset(sup, sub)
      if (isArray(sup) && isArray(sub)) return arraySubset(sup, sub)
      if (isArray(sup) && sub instanceof RegoSet) return arraySetSubset(sup, sub)
      throw new BuiltinError('both arguments object.subset must be of the same type or array and set')
    },
  }
}
