// json.verify_schema and json.match_schema: JSON Schema (draft 4, 6 and 7 keywords, as OPA's vendored
// gojsonschema accepts them) with gojsonschema's error types, field paths ("(root)", "a.b.0") and messages.
// Local $ref ("#", "#/definitions/x") is supported; remote references are refused, as OPA refuses network
// access from builtins unless told otherwise.

import { compileGoRegexp, formatFloat, goJsonMarshal } from '../go/index.js'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError } from '../host/index.js'
import { isObject, type JsonObject, valuesEqual } from '../values/index.js'

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string']

type Schema = JsonObject | boolean

interface SchemaError {
  type: string
  field: string
  desc: string
}

class Result {
  errors: SchemaError[] = []
  score = 0
  get valid(): boolean {
    return this.errors.length === 0
  }
  add(type: string, path: string[], desc: string): void {
    this.errors.push({ type, field: path.length === 0 ? '(root)' : path.join('.'), desc })
  }
  merge(other: Result): void {
    this.errors.push(...other.errors)
    this.score += other.score
  }
}

function num(x: unknown): number {
  return typeof x === 'bigint' ? Number(x) : (x as number)
}

function fmtNum(x: unknown): string {
  const n = num(x)
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : formatFloat(n, 'g', -1)
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(num(v)) ? 'integer' : 'number'
  if (typeof v === 'object') return 'object'
  return typeof v
}

function schemaError(message: string): BuiltinError {
  return new BuiltinError(message)
}

/** Schema compile-time checks gojsonschema makes before validating anything. */
function checkSchema(s: unknown, root: Schema, seen = new Set<unknown>()): void {
  if (typeof s === 'boolean') return
  if (!isObject(s)) throw schemaError('Invalid type. Expected: object, given: schema')
  if (seen.has(s)) return
  seen.add(s)
  if (s.type !== undefined) {
    const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type : undefined
    if (types === undefined) throw schemaError('type must be of type string/array of strings')
    for (const t of types) {
      if (typeof t !== 'string') throw schemaError('type must be of type string/array of strings')
      if (!TYPES.includes(t)) {
        throw schemaError(
          `has a primitive type that is NOT VALID -- given: /${t}/ Expected valid values are:[${TYPES.join(' ')}]`,
        )
      }
    }
    if (new Set(types).size !== types.length) throw schemaError(`${types[0]} type is duplicated`)
  }
  if (
    s.required !== undefined &&
    (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))
  ) {
    throw schemaError('required must be of an array')
  }
  for (const key of ['pattern'] as const) {
    if (s[key] !== undefined) {
      if (typeof s[key] !== 'string') throw schemaError(`${key} must be of type string`)
      try {
        compileGoRegexp(s[key] as string)
      } catch {
        throw schemaError(`Invalid regex pattern '${s[key]}'`)
      }
    }
  }
  for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const v = s[key]
    if (v !== undefined) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw schemaError(`${key} must be of an integer`)
      if (v < 0) throw schemaError(`${key} must be greater than or equal to 0`)
    }
  }
  if (s.multipleOf !== undefined && !(typeof s.multipleOf === 'number' && s.multipleOf > 0)) {
    throw schemaError('multipleOf must be strictly greater than 0')
  }
  if (typeof s.$ref === 'string') resolveRef(s.$ref, root)
  for (const key of ['properties', 'patternProperties', 'definitions', 'dependencies']) {
    const v = s[key]
    if (v === undefined) continue
    if (!isObject(v)) throw schemaError(`Invalid type. Expected: object, given: ${key}`)
    for (const [k, sub] of Object.entries(v)) {
      if (key === 'patternProperties') {
        try {
          compileGoRegexp(k)
        } catch {
          throw schemaError(`Invalid regex pattern '${k}'`)
        }
      }
      if (key === 'dependencies' && Array.isArray(sub)) continue
      checkSchema(sub, root, seen)
    }
  }
  for (const key of [
    'additionalProperties',
    'additionalItems',
    'not',
    'if',
    'then',
    'else',
    'contains',
    'propertyNames',
  ]) {
    if (s[key] !== undefined) checkSchema(s[key], root, seen)
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) for (const it of s.items) checkSchema(it, root, seen)
    else checkSchema(s.items, root, seen)
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const v = s[key]
    if (v === undefined) continue
    if (!Array.isArray(v) || v.length === 0) throw schemaError(`${key} must be of an array`)
    for (const sub of v) checkSchema(sub, root, seen)
  }
}

function resolveRef(ref: string, root: Schema): Schema {
  if (ref === '#' || ref === '') return root
  if (!ref.startsWith('#/')) throw schemaError(`Reference ${ref} must be canonical`)
  let node: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(node)) node = node[Number(part)]
    else if (isObject(node)) node = node[part]
    else node = undefined
    if (node === undefined) throw schemaError(`Object has no key '${part}'`)
  }
  if (typeof node !== 'boolean' && !isObject(node)) throw schemaError(`Reference ${ref} is not a schema`)
  return node
}

function matches(pattern: string, s: string): boolean {
  const re = compileGoRegexp(pattern)
  re.re.lastIndex = 0
  return re.re.test(s)
}

function validate(s: Schema, v: unknown, path: string[], root: Schema, draft4: boolean): Result {
  const r = new Result()
  if (typeof s === 'boolean') {
    if (!s) r.add('false', path, 'False always fails validation')
    return r
  }
  if (typeof s.$ref === 'string') return validate(resolveRef(s.$ref, root), v, path, root, draft4)
  const given = typeOf(v)
  if (s.type !== undefined) {
    const types = typeof s.type === 'string' ? [s.type] : (s.type as string[])
    const ok = types.includes(given) || (given === 'integer' && types.includes('number'))
    if (!ok) {
      r.add('invalid_type', path, `Invalid type. Expected: ${types.join('/')}, given: ${given}`)
      return r
    }
  }
  const sub = (schema: Schema, value: unknown, p = path) => validate(schema, value, p, root, draft4)
  // combinators
  if (Array.isArray(s.anyOf)) {
    let best: Result | undefined
    let ok = false
    for (const x of s.anyOf as Schema[]) {
      const res = sub(x, v)
      if (res.valid) {
        ok = true
        break
      }
      if (best === undefined || res.score > best.score) best = res
    }
    if (!ok) {
      r.add('number_any_of', path, 'Must validate at least one schema (anyOf)')
      if (best !== undefined) r.merge(best)
    }
  }
  if (Array.isArray(s.oneOf)) {
    let n = 0
    let best: Result | undefined
    for (const x of s.oneOf as Schema[]) {
      const res = sub(x, v)
      if (res.valid) n++
      else if (n === 0 && (best === undefined || res.score > best.score)) best = res
    }
    if (n !== 1) {
      r.add('number_one_of', path, 'Must validate one and only one schema (oneOf)')
      if (n === 0 && best !== undefined) r.merge(best)
    }
  }
  if (Array.isArray(s.allOf)) {
    let n = 0
    for (const x of s.allOf as Schema[]) {
      const res = sub(x, v)
      if (res.valid) n++
      r.merge(res)
    }
    if (n !== s.allOf.length) r.add('number_all_of', path, 'Must validate all the schemas (allOf)')
  }
  if (s.not !== undefined && sub(s.not as Schema, v).valid)
    r.add('number_not', path, 'Must not validate the schema (not)')
  if (isObject(s.dependencies) && isObject(v)) {
    for (const key of Object.keys(v)) {
      const dep = s.dependencies[key]
      if (dep === undefined) continue
      if (Array.isArray(dep)) {
        for (const d of dep)
          if (!Object.hasOwn(v, d as string)) r.add('missing_dependency', path, `Has a dependency on ${d}`)
      } else {
        r.merge(sub(dep as Schema, v))
      }
    }
  }
  if (s.if !== undefined) {
    const cond = sub(s.if as Schema, v).valid
    const branch = cond ? s.then : s.else
    if (branch !== undefined) {
      const res = sub(branch as Schema, v)
      if (!res.valid) {
        r.add(
          cond ? 'condition_then' : 'condition_else',
          path,
          cond ? 'Must validate "then" as "if" was valid' : 'Must validate "else" as "if" was not valid',
        )
        r.merge(res)
      }
    }
  }
  // type-specific
  if (given === 'integer' || given === 'number') validateNumber(s, num(v), path, r, draft4)
  if (typeof v === 'string') validateString(s, v, path, r)
  if (Array.isArray(v)) validateArray(s, v, path, r, sub)
  if (isObject(v)) validateObject(s, v, path, r, sub)
  // common
  if (s.const !== undefined && !valuesEqual(s.const, v)) {
    r.add(
      'const',
      path,
      `${path.length === 0 ? '(root)' : path.join('.')} does not match: ${goJsonMarshal(s.const)}`,
    )
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => valuesEqual(e, v))) {
    r.add(
      'enum',
      path,
      `${path.length === 0 ? '(root)' : path.join('.')} must be one of the following: ${s.enum.map((e) => goJsonMarshal(e)).join(', ')}`,
    )
  }
  if (isObject(v)) {
    const props = isObject(s.properties) ? s.properties : {}
    for (const [k, ps] of Object.entries(props)) {
      if (Object.hasOwn(v, k)) r.merge(sub(ps as Schema, v[k], [...path, k]))
    }
  }
  r.score++
  return r
}

function validateNumber(s: JsonObject, n: number, path: string[], r: Result, draft4: boolean): void {
  if (typeof s.multipleOf === 'number') {
    const q = n / s.multipleOf
    if (!Number.isInteger(Number(q.toPrecision(12))))
      r.add('multiple_of', path, `Must be a multiple of ${fmtNum(s.multipleOf)}`)
  }
  const exMax = s.exclusiveMaximum
  const exMin = s.exclusiveMinimum
  if (s.maximum !== undefined) {
    const exclusive = draft4 || typeof exMax === 'boolean' ? exMax === true : false
    if (exclusive ? n >= num(s.maximum) : n > num(s.maximum)) {
      r.add(
        exclusive ? 'number_lt' : 'number_lte',
        path,
        `Must be less than${exclusive ? '' : ' or equal to'} ${fmtNum(s.maximum)}`,
      )
    }
  }
  if (typeof exMax === 'number' && n >= exMax) r.add('number_lt', path, `Must be less than ${fmtNum(exMax)}`)
  if (s.minimum !== undefined) {
    const exclusive = draft4 || typeof exMin === 'boolean' ? exMin === true : false
    if (exclusive ? n <= num(s.minimum) : n < num(s.minimum)) {
      r.add(
        exclusive ? 'number_gt' : 'number_gte',
        path,
        `Must be greater than${exclusive ? '' : ' or equal to'} ${fmtNum(s.minimum)}`,
      )
    }
  }
  if (typeof exMin === 'number' && n <= exMin)
    r.add('number_gt', path, `Must be greater than ${fmtNum(exMin)}`)
}

function validateString(s: JsonObject, v: string, path: string[], r: Result): void {
  const len = [...v].length
  if (typeof s.minLength === 'number' && len < s.minLength) {
    r.add('string_gte', path, `String length must be greater than or equal to ${s.minLength}`)
  }
  if (typeof s.maxLength === 'number' && len > s.maxLength) {
    r.add('string_lte', path, `String length must be less than or equal to ${s.maxLength}`)
  }
  if (typeof s.pattern === 'string' && !matches(s.pattern, v)) {
    r.add('pattern', path, `Does not match pattern '${s.pattern}'`)
  }
}

type Sub = (schema: Schema, value: unknown, p?: string[]) => Result

function validateArray(s: JsonObject, v: unknown[], path: string[], r: Result, sub: Sub): void {
  if (Array.isArray(s.items)) {
    const items = s.items as Schema[]
    for (let i = 0; i < items.length && i < v.length; i++)
      r.merge(sub(items[i] as Schema, v[i], [...path, String(i)]))
    if (items.length < v.length) {
      if (s.additionalItems === false)
        r.add('array_no_additional_items', path, 'No additional items allowed on array')
      else if (isObject(s.additionalItems)) {
        for (let i = items.length; i < v.length; i++)
          r.merge(sub(s.additionalItems, v[i], [...path, String(i)]))
      }
    }
  } else if (s.items !== undefined) {
    for (let i = 0; i < v.length; i++) r.merge(sub(s.items as Schema, v[i], [...path, String(i)]))
  }
  if (typeof s.minItems === 'number' && v.length < s.minItems)
    r.add('array_min_items', path, `Array must have at least ${s.minItems} items`)
  if (typeof s.maxItems === 'number' && v.length > s.maxItems)
    r.add('array_max_items', path, `Array must have at most ${s.maxItems} items`)
  if (s.uniqueItems === true) {
    const seen = new Map<string, number>()
    v.forEach((x, j) => {
      const key = goJsonMarshal(x)
      const i = seen.get(key)
      if (i !== undefined) r.add('unique', path, `array items[${i},${j}] must be unique`)
      seen.set(key, j)
    })
  }
  if (s.contains !== undefined) {
    let best: Result | undefined
    let ok = false
    for (let i = 0; i < v.length; i++) {
      const res = sub(s.contains as Schema, v[i], [...path, String(i)])
      if (res.valid) {
        ok = true
        break
      }
      if (best === undefined || res.score > best.score) best = res
    }
    if (!ok) {
      r.add('contains', path, 'At least one of the items must match')
      if (best !== undefined) r.merge(best)
    }
  }
}

function validateObject(s: JsonObject, v: JsonObject, path: string[], r: Result, sub: Sub): void {
  const keys = Object.keys(v)
  if (typeof s.minProperties === 'number' && keys.length < s.minProperties) {
    r.add('array_min_properties', path, `Must have at least ${s.minProperties} properties`)
  }
  if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) {
    r.add('array_max_properties', path, `Must have at most ${s.maxProperties} properties`)
  }
  if (Array.isArray(s.required)) {
    for (const req of s.required as string[]) {
      if (!Object.hasOwn(v, req)) r.add('required', path, `${req} is required`)
      else r.score++
    }
  }
  const props = isObject(s.properties) ? s.properties : {}
  const patterns = isObject(s.patternProperties) ? s.patternProperties : {}
  for (const k of keys) {
    let matched = false
    for (const [p, ps] of Object.entries(patterns)) {
      if (matches(p, k)) {
        matched = true
        r.merge(sub(ps as Schema, v[k], [...path, k]))
      }
    }
    if (Object.hasOwn(props, k) || matched) continue
    if (s.additionalProperties === false) {
      r.add('additional_property_not_allowed', path, `Additional property ${k} is not allowed`)
    } else if (isObject(s.additionalProperties)) {
      r.merge(sub(s.additionalProperties, v[k], [...path, k]))
    }
  }
  if (s.propertyNames !== undefined) {
    for (const k of keys) {
      const res = sub(s.propertyNames as Schema, k)
      if (!res.valid) {
        r.add('invalid_property_name', path, `Property name of "${k}" does not match`)
        r.merge(res)
      }
    }
  }
}

/** A schema or document argument: a JSON string, an object or an array. */
function loadJson(value: unknown): unknown {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value)
    } catch {
      throw new BuiltinError('invalid JSON string')
    }
  }
  if (isObject(value) || Array.isArray(value)) return value
  throw new BuiltinError('wrong type, expected string or object')
}

function compile(value: unknown): Schema {
  const schema = loadJson(value)
  if (typeof schema !== 'boolean' && !isObject(schema))
    throw schemaError('Invalid type. Expected: object, given: schema')
  checkSchema(schema, schema)
  return schema
}

function isDraft4(schema: Schema): boolean {
  return isObject(schema) && typeof schema.$schema === 'string' && schema.$schema.includes('draft-04')
}

export function jsonSchemaBuiltins(): BuiltinTable {
  return {
    'json.verify_schema': (schema) => {
      try {
        compile(schema)
        return [true, null]
      } catch (error) {
        return [false, `jsonschema: ${(error as Error).message}`]
      }
    },
    'json.match_schema': (document, schemaArg) => {
      const doc = loadJson(document)
      const schema = compile(schemaArg)
      const result = validate(schema, doc, [], schema, isDraft4(schema))
      const errors = result.errors.map((e) => ({
        error: `${e.field}: ${e.desc}`,
        type: e.type,
        field: e.field,
        desc: e.desc,
      }))
      return [result.valid, errors]
    },
  }
}
