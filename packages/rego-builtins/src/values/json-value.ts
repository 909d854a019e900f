// The JSON values builtins receive and return: objects are plain records (sets and big numbers have their own
// types, rego-set.ts and out-of-range-number.ts).

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
