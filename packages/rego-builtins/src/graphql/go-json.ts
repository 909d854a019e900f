// Go's encoding/json between gqlparser's structs (graphql-go-structs.ts) and the JSON values of Rego. Encoding
// is OPA's ast.InterfaceToValue followed by its pruneIrrelevantGraphQLASTNodes (no nulls, no empty arrays or
// objects, no Position); decoding is json.Unmarshal into the struct, which OPA uses when a builtin is given an
// AST object instead of GraphQL text — case-insensitive keys for plain structs, exact keys and a subset of
// fields for the structs with their own UnmarshalJSON, and gqlparser's selection decoding that tries Field,
// FragmentSpread and InlineFragment in turn (so an inline fragment object comes back as a Field, as in OPA).
import { type GoNode, type GoType, ptr, type SelectionKind, spec } from './go-structs.js'

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true
  if (Array.isArray(value)) return value.length === 0
  return typeof value === 'object' && Object.keys(value).length === 0
}

function encodeValue(value: unknown, type: GoType): unknown {
  if (type === 'string') return typeof value === 'string' ? value : ''
  if (type === 'bool') return value === true
  if (type === 'int') return typeof value === 'number' || typeof value === 'bigint' ? value : 0
  if (value === undefined || value === null) return undefined
  if (type === 'selections') {
    return encodeList(value, (item) => encodeStruct(item, selectionKind(item)))
  }
  if ('ptr' in type) return encodeStruct(value, type.ptr)
  const itemType = type.slice
  return encodeList(value, (item) => encodeValue(item, itemType))
}

function encodeList(value: unknown, encodeItem: (item: unknown) => unknown): unknown[] {
  const out: unknown[] = []
  for (const item of value as unknown[]) {
    const encoded = item === null || item === undefined ? undefined : encodeItem(item)
    if (!isEmpty(encoded)) out.push(encoded)
  }
  return out
}

function encodeStruct(value: unknown, name: string): Record<string, unknown> {
  const node = value as GoNode
  const out: Record<string, unknown> = {}
  for (const [field, type] of spec(name).fields) {
    if (field === 'Position') continue
    const encoded = encodeValue(node[field], type)
    if (!isEmpty(encoded)) out[field] = encoded
  }
  return out
}

function selectionKind(node: unknown): SelectionKind {
  const kind = (node as GoNode).$kind
  return kind === 'FragmentSpread' || kind === 'InlineFragment' ? kind : 'Field'
}

/** The JSON value OPA returns for a gqlparser document (QueryDocument or SchemaDocument). */
export function encodeNode(
  node: GoNode,
  struct: 'QueryDocument' | 'SchemaDocument',
): Record<string, unknown> {
  return encodeStruct(node, struct)
}

class DecodeError extends Error {}

function jsonKind(json: unknown): string {
  if (Array.isArray(json)) return 'array'
  if (typeof json === 'bigint') return 'number'
  return typeof json
}

function goTypeName(type: GoType): string {
  if (typeof type === 'string') return type === 'selections' ? 'ast.SelectionSet' : type
  return 'ptr' in type ? `ast.${type.ptr}` : `[]${goTypeName(type.slice)}`
}

/** encoding/json's UnmarshalTypeError, without the field path. */
function mismatch(json: unknown, type: GoType): DecodeError {
  return new DecodeError(`cannot unmarshal ${jsonKind(json)} into Go value of type ${goTypeName(type)}`)
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const INT64_MIN = -(2n ** 63n)

const INT64_MAX = 2n ** 63n - 1n

function decodeValue(json: unknown, type: GoType): unknown {
  if (type === 'string') {
    if (json === null || typeof json === 'string') return json ?? ''
    throw mismatch(json, type)
  }
  if (type === 'bool') {
    if (json === null || typeof json === 'boolean') return json ?? false
    throw mismatch(json, type)
  }
  if (type === 'int') {
    if (json === null) return 0
    if (typeof json === 'bigint' && json >= INT64_MIN && json <= INT64_MAX) return Number(json)
    if (typeof json === 'number' && Number.isSafeInteger(json)) return json
    throw mismatch(json, type)
  }
  if (json === null) return undefined
  if (type === 'selections') return decodeSelections(json)
  if ('ptr' in type) return decodeStruct(json, type.ptr)
  if (!Array.isArray(json)) throw mismatch(json, type)
  const itemType = type.slice
  return json.map((item) => decodeValue(item, itemType))
}

function decodeStruct(json: unknown, name: string): GoNode {
  const s = spec(name)
  const node: GoNode = {}
  if (json === null) return node
  if (!isJsonObject(json)) throw mismatch(json, ptr(name))
  if (s.custom !== undefined) {
    for (const key of s.custom) {
      if (!(key in json)) continue
      const type = key === 'Position' ? ptr('Position') : s.fields.find(([field]) => field === key)?.[1]
      if (type !== undefined) node[key] = decodeValue(json[key], type)
    }
    return node
  }
  // encoding/json: keys in the order json.Marshal wrote them (sorted), each to the field of that name or, failing
  // that, of that name ignoring case; a later key for the same field wins.
  for (const key of Object.keys(json).sort()) {
    const lower = key.toLowerCase()
    const field = s.fields.find(([f]) => f === key) ?? s.fields.find(([f]) => f.toLowerCase() === lower)
    if (field !== undefined) node[field[0]] = decodeValue(json[key], field[1])
  }
  return node
}

/** gqlparser's ast.UnmarshalSelectionSet: each item as a Field, else a FragmentSpread, else an InlineFragment. */
function decodeSelections(json: unknown): GoNode[] {
  if (!Array.isArray(json)) throw mismatch(json, 'selections')
  const out: GoNode[] = []
  for (const item of json) {
    for (const kind of ['Field', 'FragmentSpread', 'InlineFragment'] as const) {
      try {
        out.push({ ...decodeStruct(item, kind), $kind: kind })
        break
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
      }
    }
  }
  return out
}

/** Go's json.Unmarshal of an AST object into a gqlparser document, or the error Go reports (as a string). */
export function decodeNode(json: unknown, struct: 'QueryDocument' | 'SchemaDocument'): GoNode | string {
  try {
    return decodeStruct(json, struct)
  } catch (error) {
    if (error instanceof DecodeError) return `json: ${error.message}`
    throw error
  }
}
