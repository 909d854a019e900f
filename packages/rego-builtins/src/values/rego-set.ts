// A Rego set as host builtins see it: an array of its elements in OPA's sort order (the order OPA iterates sets
// in), marked as a set. Builtins that treat sets like arrays keep working; those whose meaning differs for sets
// (object.subset, json.patch, net.cidr_contains_matches…) test `instanceof RegoSet`, and a builtin returns one to
// give Rego a set back.
export class RegoSet<T = unknown> extends Array<T> {
  /** A set of `items`, which the caller has already sorted and deduplicated in OPA's order. */
  static ofSorted<T>(items: readonly T[]): RegoSet<T> {
    const set = new RegoSet<T>()
    for (const item of items) set.push(item)
    return set
  }

  // Array methods that build a new array (map, filter, slice…) build a plain array, not a set.
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }
}

/** True for any value (at any depth) that holds a RegoSet. */
export function holdsSet(value: unknown, depth = 0): boolean {
  if (value instanceof RegoSet) return true
  if (value === null || typeof value !== 'object' || depth > 10_000) return false
  if (Array.isArray(value)) return value.some((item) => holdsSet(item, depth + 1))
  for (const key in value) {
    if (holdsSet((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}
