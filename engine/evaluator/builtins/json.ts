// json.patch (RFC 6902 with OPA's edit-tree rules: "-" appends, array indexes must be in range and free of
// leading zeros, every op fails on a missing path) and json.marshal_with_options (Go's json.Marshal /
// MarshalIndent, keys sorted, HTML-escaped). The rest of json.* is compiled into the wasm module.
import { BuiltinError, operandError } from './builtin-error.js'
import { goJsonMarshal, goJsonString } from './go-json.js'
import type { BuiltinTable } from './host-context.js'
import { arrayOperand, isObject, type JsonObject, objectOperand } from './operands.js'
import { compareStrings, valuesEqual } from './value-order.js'

type Path = unknown[]

function parsePath(path: unknown): Path {
  if (typeof path === 'string') {
    if (path === '') return []
    const s = path.replace(/^\/+/, '')
    return s.split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
  }
  if (Array.isArray(path)) return [...path]
  throw operandError(2, 'must be one of {set, array} containing string paths or array of path segments')
}

function toIndex(length: number, seg: unknown): number {
  if (typeof seg === 'number' || typeof seg === 'bigint') {
    const n = Number(seg)
    if (!Number.isInteger(n)) throw new BuiltinError('invalid number type for indexing')
    return n
  }
  if (typeof seg === 'string') {
    if (seg === '-') return length
    if (!/^-?\d+$/.test(seg)) throw new BuiltinError('invalid string for indexing')
    if (seg !== '0' && seg.startsWith('0'))
      throw new BuiltinError('leading zeros are not allowed in JSON paths')
    return Number(seg)
  }
  throw new BuiltinError('invalid type for indexing')
}

function getAt(doc: unknown, path: Path): unknown {
  let node = doc
  for (const seg of path) {
    if (isObject(node)) {
      if (typeof seg !== 'string' || !Object.hasOwn(node, seg)) {
        throw new BuiltinError(`path ${JSON.stringify(seg)} does not exist in object term`)
      }
      node = node[seg]
    } else if (Array.isArray(node)) {
      const i = toIndex(node.length, seg)
      if (i < 0 || i >= node.length) throw new BuiltinError(`path ${i} does not exist in array term`)
      node = node[i]
    } else {
      throw new BuiltinError(`expected composite type for path ${JSON.stringify(seg)}`)
    }
  }
  return node
}

function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone)
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]))
  return v
}

/** Applies fn to the parent container of path's last segment (working on a copy of doc). */
function atParent(doc: unknown, path: Path, fn: (parent: unknown, key: unknown) => void): unknown {
  const root = clone(doc)
  const parent = getAt(root, path.slice(0, -1))
  fn(parent, path[path.length - 1])
  return root
}

function insertAt(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value
  return atParent(doc, path, (parent, key) => {
    if (isObject(parent)) {
      if (typeof key !== 'string') throw new BuiltinError('object keys must be strings')
      parent[key] = value
    } else if (Array.isArray(parent)) {
      const i = toIndex(parent.length, key)
      if (i < 0 || i > parent.length) throw new BuiltinError('index for array insertion out of bounds')
      parent.splice(i, 0, value)
    } else {
      throw new BuiltinError('expected composite type')
    }
  })
}

function deleteAt(doc: unknown, path: Path): unknown {
  if (path.length === 0) throw new BuiltinError('cannot delete the document root')
  return atParent(doc, path, (parent, key) => {
    if (isObject(parent)) {
      if (typeof key !== 'string' || !Object.hasOwn(parent, key)) {
        throw new BuiltinError(`path ${JSON.stringify(key)} does not exist in object term`)
      }
      delete parent[key]
    } else if (Array.isArray(parent)) {
      const i = toIndex(parent.length, key)
      if (i < 0 || i > parent.length - 1) throw new BuiltinError('index for array delete out of bounds')
      parent.splice(i, 1)
    } else {
      throw new BuiltinError('expected composite type')
    }
  })
}

function required(op: JsonObject, key: string): unknown {
  if (!Object.hasOwn(op, key)) throw new BuiltinError(`missing required attribute '${key}'`)
  return op[key]
}

function jsonPatch(target: unknown, operations: unknown): unknown {
  let doc = target
  for (const op of arrayOperand(operations, 2)) {
    if (!isObject(op)) {
      throw new BuiltinError(
        'must be an array of JSON-Patch objects, but at least one element is not an object',
      )
    }
    const pathValue = required(op, 'path')
    const name = required(op, 'op')
    if (typeof name !== 'string') throw new BuiltinError(`attribute 'op' must be a string`)
    const path = parsePath(pathValue)
    switch (name) {
      case 'add':
        doc = insertAt(doc, path, required(op, 'value'))
        break
      case 'remove':
        doc = deleteAt(doc, path)
        break
      case 'replace':
        // Replacing the root swaps the whole document (OPA's edit tree deletes, then inserts at the root).
        if (path.length > 0) doc = deleteAt(doc, path)
        doc = insertAt(doc, path, required(op, 'value'))
        break
      case 'move': {
        const from = parsePath(required(op, 'from'))
        const chunk = getAt(doc, from)
        doc = deleteAt(doc, from)
        doc = insertAt(doc, path, chunk)
        break
      }
      case 'copy': {
        const from = parsePath(required(op, 'from'))
        doc = insertAt(doc, path, clone(getAt(doc, from)))
        break
      }
      case 'test': {
        const chunk = getAt(doc, path)
        const value = required(op, 'value')
        if (!valuesEqual(chunk, value)) throw new BuiltinError('value from EditTree != patch value')
        break
      }
      default:
        throw new BuiltinError(`unrecognized op: '${name}'`)
    }
  }
  return doc
}

/** Go's json.MarshalIndent. */
function marshalIndent(value: unknown, prefix: string, indent: string, depth = 0): string {
  const pad = (d: number) => `\n${prefix}${indent.repeat(d)}`
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[${value.map((v) => pad(depth + 1) + marshalIndent(v, prefix, indent, depth + 1)).join(',')}${pad(depth)}]`
  }
  if (isObject(value)) {
    const keys = Object.keys(value).sort(compareStrings)
    if (keys.length === 0) return '{}'
    const parts = keys.map(
      (k) => `${pad(depth + 1)}${goJsonString(k)}: ${marshalIndent(value[k], prefix, indent, depth + 1)}`,
    )
    return `{${parts.join(',')}${pad(depth)}}`
  }
  return goJsonMarshal(value)
}

function marshalWithOptions(value: unknown, optionsArg: unknown): string {
  const options = objectOperand(optionsArg, 2)
  let indent = '\t'
  let prefix = ''
  let implicit = false
  let explicit: boolean | undefined
  for (const [key, v] of Object.entries(options)) {
    switch (key) {
      case 'prefix':
        if (typeof v !== 'string') throw operandError(2, `key ${key} failed cast to string`)
        prefix = v
        implicit = true
        break
      case 'indent':
        if (typeof v !== 'string') throw operandError(2, `key ${key} failed cast to string`)
        indent = v
        implicit = true
        break
      case 'pretty':
        if (typeof v !== 'boolean') throw operandError(2, `key ${key} failed cast to bool`)
        explicit = v
        break
      default:
        throw operandError(2, `object contained unknown key ${key}`)
    }
  }
  const pretty = explicit ?? implicit
  return pretty ? prefix + marshalIndent(value, prefix, indent) : goJsonMarshal(value)
}

export function jsonBuiltins(): BuiltinTable {
  return {
    'json.patch': jsonPatch,
    'json.marshal_with_options': marshalWithOptions,
  }
}
