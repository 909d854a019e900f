// The checks of gqlparser's validator/schema.go on one definition, directive use or type reference, with its
// messages; graphql-schema-check.ts runs them in gqlparser's order over a merged schema.
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { child, nodes, strings, text, typeName, typeString } from './nodes.js'

export interface CheckedSchema {
  types: Map<string, GoNode>
  directives: Map<string, GoNode>
  query?: GoNode
  mutation?: GoNode
  subscription?: GoNode
  possibleTypes: Map<string, GoNode[]>
}

/** gqlerror.ErrorPosf: a node without a position is reported at -1:-1. */
export function fail(at: GoNode | undefined, message: string): GqlParseError {
  const pos = child(at, 'Position')
  const line = pos?.Line
  const column = pos?.Column
  return typeof line === 'number' && typeof column === 'number'
    ? new GqlParseError(message, line, column)
    : new GqlParseError(message, -1, -1)
}

function isInputKind(kind: unknown): boolean {
  return kind === 'SCALAR' || kind === 'ENUM' || kind === 'INPUT_OBJECT'
}

export function validateName(at: GoNode | undefined, name: string): void {
  if (name.startsWith('__')) {
    throw fail(at, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`)
  }
}

function validateTypeRef(schema: CheckedSchema, type: GoNode | undefined): void {
  const name = typeName(type)
  if (!schema.types.has(name)) throw fail(type, `Undefined type ${name}.`)
}

export function validateArgs(schema: CheckedSchema, args: GoNode[], current: GoNode | undefined): void {
  for (const arg of args) {
    validateName(arg, text(arg, 'Name'))
    const type = child(arg, 'Type')
    validateTypeRef(schema, type)
    const def = schema.types.get(typeName(type))
    if (!isInputKind(def?.Kind)) {
      throw fail(
        arg,
        `cannot use ${typeString(type)} as argument ${text(arg, 'Name')} because ${String(def?.Kind ?? '')} is not a valid input type`,
      )
    }
    validateDirectives(schema, nodes(arg, 'Directives'), 'ARGUMENT_DEFINITION', current, true)
  }
}

export function validateDirectives(
  schema: CheckedSchema,
  dirs: GoNode[],
  location: string,
  current: GoNode | undefined,
  singleLocation: boolean,
): void {
  const seen = new Set<string>()
  for (const dir of dirs) {
    const name = text(dir, 'Name')
    validateName(dir, name)
    if (current !== undefined && name === text(current, 'Name')) {
      throw fail(dir, `Directive ${text(current, 'Name')} cannot refer to itself.`)
    }
    const def = schema.directives.get(name)
    if (def === undefined) throw fail(dir, `Undefined directive ${name}.`)
    if (singleLocation) {
      if (seen.has(name) && def.IsRepeatable !== true) {
        throw fail(dir, `The directive ${name} can only be used once at this location.`)
      }
      seen.add(name)
    }
    if (!strings(def, 'Locations').includes(location)) {
      throw fail(dir, `Directive ${name} is not applicable on ${location}.`)
    }
    const defArgs = nodes(def, 'Arguments')
    const args = nodes(dir, 'Arguments')
    for (const arg of args) {
      if (!defArgs.some((a) => text(a, 'Name') === text(arg, 'Name'))) {
        throw fail(arg, `Undefined argument ${text(arg, 'Name')} for directive ${name}.`)
      }
    }
    for (const defArg of defArgs) {
      if (child(defArg, 'Type')?.NonNull === true && child(defArg, 'DefaultValue') === undefined) {
        const arg = args.find((a) => text(a, 'Name') === text(defArg, 'Name'))
        if (arg === undefined || child(arg, 'Value')?.Kind === 6) {
          throw fail(dir, `Argument ${text(defArg, 'Name')} for directive ${name} cannot be null.`)
        }
      }
    }
  }
}

function isCovariant(
  schema: CheckedSchema,
  required: GoNode | undefined,
  actual: GoNode | undefined,
): boolean {
  if (required === undefined || actual === undefined) return false
  if (required.NonNull === true && actual.NonNull !== true) return false
  const named = text(required, 'NamedType')
  if (named !== '') {
    if (named === text(actual, 'NamedType')) return true
    return (schema.possibleTypes.get(named) ?? []).some((t) => text(t, 'Name') === text(actual, 'NamedType'))
  }
  if (child(required, 'Elem') !== undefined && child(actual, 'Elem') === undefined) return false
  return isCovariant(schema, child(required, 'Elem'), child(actual, 'Elem'))
}

/** ast.Type.IsCompatible. */
function isCompatible(t: GoNode | undefined, other: GoNode | undefined): boolean {
  if (t === undefined || other === undefined) return false
  if (text(t, 'NamedType') !== text(other, 'NamedType')) return false
  if (child(t, 'Elem') !== undefined && child(other, 'Elem') === undefined) return false
  if (child(t, 'Elem') !== undefined && !isCompatible(child(t, 'Elem'), child(other, 'Elem'))) return false
  return other.NonNull === true ? t.NonNull === true : true
}

function byName(list: GoNode[], name: string): GoNode | undefined {
  return list.find((n) => text(n, 'Name') === name)
}

function validateImplements(schema: CheckedSchema, def: GoNode, intfName: string): void {
  const name = text(def, 'Name')
  const intf = schema.types.get(intfName)
  if (intf === undefined) throw fail(def, `Undefined type ${JSON.stringify(intfName)}.`)
  if (intf.Kind !== 'INTERFACE') {
    throw fail(def, `${JSON.stringify(intfName)} is a non interface type ${String(intf.Kind)}.`)
  }
  const fields = nodes(def, 'Fields')
  for (const required of nodes(intf, 'Fields')) {
    const fieldName = text(required, 'Name')
    const found = byName(fields, fieldName)
    if (found === undefined) {
      throw fail(def, `For ${name} to implement ${intfName} it must have a field called ${fieldName}.`)
    }
    if (!isCovariant(schema, child(required, 'Type'), child(found, 'Type'))) {
      throw fail(
        found,
        `For ${name} to implement ${intfName} the field ${fieldName} must have type ${typeString(child(required, 'Type'))}.`,
      )
    }
    const foundArgs = nodes(found, 'Arguments')
    const requiredArgs = nodes(required, 'Arguments')
    for (const requiredArg of requiredArgs) {
      const argName = text(requiredArg, 'Name')
      const foundArg = byName(foundArgs, argName)
      const prefix = `For ${name} to implement ${intfName} the field ${fieldName} must have the same arguments but`
      if (foundArg === undefined) throw fail(found, `${prefix} it is missing ${argName}.`)
      if (!isCompatible(child(requiredArg, 'Type'), child(foundArg, 'Type'))) {
        throw fail(foundArg, `${prefix} ${argName} has the wrong type.`)
      }
    }
    for (const foundArg of foundArgs) {
      const argName = text(foundArg, 'Name')
      if (
        byName(requiredArgs, argName) === undefined &&
        child(foundArg, 'Type')?.NonNull === true &&
        child(foundArg, 'DefaultValue') === undefined
      ) {
        throw fail(
          foundArg,
          `For ${name} to implement ${intfName} any additional arguments on ${fieldName} must be optional or have a default value but ${argName} is required.`,
        )
      }
    }
  }
  const interfaces = strings(def, 'Interfaces')
  for (const transitive of strings(intf, 'Interfaces')) {
    if (interfaces.includes(transitive)) continue
    if (transitive === name) {
      throw fail(
        def,
        `Type ${name} cannot implement ${intfName} because it would create a circular reference.`,
      )
    }
    throw fail(def, `Type ${name} must implement ${transitive} because it is implemented by ${intfName}.`)
  }
}

const OUTPUT_KINDS = ['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM']

const INPUT_KINDS = ['SCALAR', 'ENUM', 'INPUT_OBJECT']

function validateMemberKinds(schema: CheckedSchema, def: GoNode, kind: string): void {
  const input = kind === 'INPUT_OBJECT'
  for (const field of nodes(def, 'Fields')) {
    const type = schema.types.get(typeName(child(field, 'Type')))
    if (type === undefined || (input ? INPUT_KINDS : OUTPUT_KINDS).includes(String(type.Kind))) continue
    throw input
      ? fail(
          field,
          `${String(type.Kind)} ${text(field, 'Name')}: field must be one of ${INPUT_KINDS.join(', ')}.`,
        )
      : fail(field, `${kind} ${text(def, 'Name')}: field must be one of ${OUTPUT_KINDS.join(', ')}.`)
  }
}

export function validateDefinition(schema: CheckedSchema, def: GoNode): void {
  const kind = String(def.Kind ?? '')
  const name = text(def, 'Name')
  const fields = nodes(def, 'Fields')
  for (const field of fields) {
    validateName(field, text(field, 'Name'))
    validateTypeRef(schema, child(field, 'Type'))
    validateArgs(schema, nodes(field, 'Arguments'), undefined)
    const location = kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION'
    validateDirectives(schema, nodes(field, 'Directives'), location, undefined, true)
  }
  for (const member of strings(def, 'Types')) {
    const memberDef = schema.types.get(member)
    if (memberDef === undefined) throw fail(def, `Undefined type ${JSON.stringify(member)}.`)
    if (memberDef.Kind !== 'OBJECT') throw fail(def, `${kind} type ${JSON.stringify(member)} must be OBJECT.`)
  }
  for (const intf of strings(def, 'Interfaces')) validateImplements(schema, def, intf)
  const values = nodes(def, 'EnumValues')
  if (kind === 'OBJECT' || kind === 'INTERFACE') {
    if (fields.length === 0) throw fail(def, `${kind} ${name}: must define one or more fields.`)
    validateMemberKinds(schema, def, kind)
  } else if (kind === 'ENUM') {
    if (values.length === 0) throw fail(def, `${kind} ${name}: must define one or more unique enum values.`)
    for (const value of values) {
      const valueName = text(value, 'Name')
      if (valueName === 'true' || valueName === 'false' || valueName === 'null') {
        throw fail(def, `${kind} ${name}: non-enum value ${valueName}.`)
      }
      validateDirectives(schema, nodes(value, 'Directives'), 'ENUM_VALUE', undefined, true)
    }
  } else if (kind === 'INPUT_OBJECT') {
    if (fields.length === 0) throw fail(def, `${kind} ${name}: must define one or more input fields.`)
    validateMemberKinds(schema, def, kind)
  }
  for (const [list, what] of [
    [fields, 'Field'],
    [values, 'Enum value'],
  ] as const) {
    const seen = new Set<string>()
    for (const member of list) {
      const memberName = text(member, 'Name')
      if (seen.has(memberName)) throw fail(member, `${what} ${name}.${memberName} can only be defined once.`)
      seen.add(memberName)
    }
  }
  const members = new Set<string>()
  const types = strings(def, 'Types')
  // The parser records where each member is named; the duplicate is reported there when it can be.
  const memberPositions = Array.isArray(def.TypePositions) ? (def.TypePositions as GoNode[]) : []
  types.forEach((member, i) => {
    if (!members.has(member)) {
      members.add(member)
      return
    }
    const at = memberPositions.length === types.length ? { Position: memberPositions[i] } : def
    throw fail(at, `Union type ${name} can only include type ${member} once.`)
  })
  if (def.BuiltIn !== true) validateName(def, name)
  validateDirectives(schema, nodes(def, 'Directives'), kind, undefined, false)
}

export function validateInputObjectCycles(schema: CheckedSchema, names: string[]): void {
  const visited = new Set<string>()
  const path: GoNode[] = []
  const indexOnPath = new Map<string, number>()
  const detect = (def: GoNode): void => {
    const defName = text(def, 'Name')
    if (visited.has(defName)) return
    visited.add(defName)
    indexOnPath.set(defName, path.length)
    for (const field of nodes(def, 'Fields')) {
      const type = child(field, 'Type')
      if (type?.NonNull !== true || text(type, 'NamedType') === '') continue
      const fieldType = schema.types.get(text(type, 'NamedType'))
      if (fieldType === undefined || fieldType.Kind !== 'INPUT_OBJECT') continue
      path.push(field)
      const cycleStart = indexOnPath.get(text(fieldType, 'Name'))
      if (cycleStart !== undefined) {
        const cycle = path.slice(cycleStart)
        throw fail(
          cycle[0],
          `Cannot reference Input Object ${JSON.stringify(text(fieldType, 'Name'))} within itself through a series of non-null fields: ${JSON.stringify(cycle.map((f) => text(f, 'Name')).join('.'))}.`,
        )
      }
      detect(fieldType)
      path.pop()
    }
    indexOnPath.delete(defName)
  }
  for (const name of names) {
    const def = schema.types.get(name)
    if (def?.Kind === 'INPUT_OBJECT') detect(def)
  }
}
