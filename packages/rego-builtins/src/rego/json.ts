// json.patch (RFC 6902 with OPA's edit-tree rules: "-" appends, array indexes must be in range and free of
// leading zeros, every op fails on a missing path, a set member is addressed by its value and added only under
// its own value; patched sets stay RegoSets) and json.marshal_with_options (Go's json.Marshal /
// MarshalIndent, keys sorted, HTML-escaped). The rest of json.* is compiled into the wasm module.

import { goJsonMarshal, goJsonString } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { arrayOperand, BuiltinError, objectOperand, operandError } from '../host/index.js'
import {
  compareStrings,
  isObject,
  type JsonObject,
  RegoSet,
  setHas,
  setOf,
  valuesEqual,
} from '../values/index.js'

type Path = unknown[]

function parsePath(path: unknown): Path {
  if (typeof path === 'string') {
    if (path === '') return []
    const s = path.replace(/^\/+/, '')
    return s.split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
  }
  if (Array.isArray(path) && !(path instanceof RegoSet)) return path
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

function objectKey(object: JsonObject, seg: unknown): string {
  if (typeof seg !== 'string' || !Object.hasOwn(object, seg)) {
    throw new BuiltinError(`path ${JSON.stringify(seg)} does not exist in object term`)
  }
  return seg
}

function arrayIndex(array: unknown[], seg: unknown): number {
  const i = toIndex(array.length, seg)
  if (i < 0 || i >= array.length) throw new BuiltinError(`path ${i} does not exist in array term`)
  return i
}

// A set is addressed by its elements: the segment names the member itself (OPA's edit tree), which must exist.
function setMember(set: RegoSet, seg: unknown): unknown {
  if (!setHas(set, seg)) throw new BuiltinError('path does not exist in set term')
  return seg
}

/** The set without `member` (which it holds). */
function setWithout(set: RegoSet, member: unknown): RegoSet {
  return RegoSet.ofSorted(set.filter((item) => !valuesEqual(item, member)))
}

function getAt(doc: unknown, path: Path): unknown {
  let node = doc
  for (const seg of path) {
    if (isObject(node)) node = node[objectKey(node, seg)]
    else if (node instanceof RegoSet) node = setMember(node, seg)
    else if (Array.isArray(node)) node = node[arrayIndex(node, seg)]
    else throw new BuiltinError(`expected composite type for path ${JSON.stringify(seg)}`)
  }
  return node
}

/**
 * The document with the node at `path` replaced by edit(node). Only the containers along the path are copied; a
 * set whose member is edited drops the old member and takes the edited one, in order.
 */
function editAt(doc: unknown, path: Path, edit: (node: unknown) => unknown, depth = 0): unknown {
  if (depth === path.length) return edit(doc)
  const seg = path[depth]
  if (isObject(doc)) {
    const key = objectKey(doc, seg)
    return { ...doc, [key]: editAt(doc[key], path, edit, depth + 1) }
  }
  if (doc instanceof RegoSet) {
    const member = setMember(doc, seg)
    return setOf([...setWithout(doc, member), editAt(member, path, edit, depth + 1)])
  }
  if (Array.isArray(doc)) {
    const i = arrayIndex(doc, seg)
    const out = [...doc]
    out[i] = editAt(doc[i], path, edit, depth + 1)
    return out
  }
  throw new BuiltinError(`expected composite type for path ${JSON.stringify(seg)}`)
}

function insertAt(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value
  const key = path[path.length - 1]
  return editAt(doc, path.slice(0, -1), (parent) => {
    if (isObject(parent)) {
      if (typeof key !== 'string') throw new BuiltinError('object keys must be strings')
      return { ...parent, [key]: value }
    }
    if (parent instanceof RegoSet) {
      if (!valuesEqual(key, value)) throw new BuiltinError('set key does not equal value to be inserted')
      return setOf([...parent, value])
    }
    if (Array.isArray(parent)) {
      const i = toIndex(parent.length, key)
      if (i < 0 || i > parent.length) throw new BuiltinError('index for array insertion out of bounds')
      return parent.toSpliced(i, 0, value)
    }
    throw new BuiltinError('expected composite type')
  })
}

function deleteAt(doc: unknown, path: Path): unknown {
  if (path.length === 0) throw new BuiltinError('cannot delete the document root')
  const key = path[path.length - 1]
  return editAt(doc, path.slice(0, -1), (parent) => {
    if (isObject(parent)) {
      const { [objectKey(parent, key)]: _, ...rest } = parent
      return rest
    }
    if (parent instanceof RegoSet) {
      if (!setHas(parent, key)) throw new BuiltinError('cannot delete child key that does not exist')
      return setWithout(parent, key)
    }
    if (Array.isArray(parent)) {
      const i = toIndex(parent.length, key)
      if (i < 0 || i > parent.length - 1) throw new BuiltinError('index for array delete out of bounds')
      return parent.toSpliced(i, 1)
    }
    throw new BuiltinError('expected composite type')
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
        doc = insertAt(doc, path, getAt(doc, from))
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
