// gqlparser's validator.ValidateSchemaDocument, which OPA runs on the prelude (built-in scalars, directives and
// introspection types) merged with the policy's schema document. It differs from graphql-js's schema
// validation in ways policies can see: extending a type that was never defined creates it, a schema needs no
// Query type, Query/Mutation/Subscription become roots by name unless a `schema` block names them. The checks,
// their order and their messages are gqlparser's; the documents themselves are never modified.
import type { GoNode } from './go-structs.js'
import { nodes, strings, text } from './nodes.js'
import { BUILTIN_DIRECTIVES, preludeDocument } from './prelude.js'
import {
  type CheckedSchema,
  fail,
  validateArgs,
  validateDefinition,
  validateDirectives,
  validateInputObjectCycles,
  validateName,
} from './schema-rules.js'

export type { CheckedSchema }

function setRoots(schema: CheckedSchema, definition: GoNode): void {
  for (const entry of nodes(definition, 'OperationTypes')) {
    const def = schema.types.get(text(entry, 'Type'))
    if (def === undefined) {
      throw fail(
        entry,
        `Schema root ${text(entry, 'Operation')} refers to a type ${text(entry, 'Type')} that does not exist.`,
      )
    }
    const operation = text(entry, 'Operation')
    if (operation === 'query') schema.query = def
    else if (operation === 'mutation') schema.mutation = def
    else if (operation === 'subscription') schema.subscription = def
  }
  validateDirectives(schema, nodes(definition, 'Directives'), 'SCHEMA', undefined, true)
}

const APPENDED = ['Directives', 'Interfaces', 'Fields', 'Types', 'TypePositions', 'EnumValues'] as const

/** ValidateSchemaDocument(prelude + document). Throws GqlParseError with gqlparser's message. */
export function checkSchema(document: GoNode): CheckedSchema {
  const base = preludeDocument()
  const all = (field: string) => [...nodes(base, field), ...nodes(document, field)]
  const schema: CheckedSchema = { types: new Map(), directives: new Map(), possibleTypes: new Map() }
  const defs: GoNode[] = []
  for (const def of all('Definitions')) {
    const name = text(def, 'Name')
    if (schema.types.has(name)) throw fail(def, `Cannot redeclare type ${name}.`)
    const copy = { ...def }
    schema.types.set(name, copy)
    defs.push(copy)
  }
  for (const ext of all('Extensions')) {
    const name = text(ext, 'Name')
    let def = schema.types.get(name)
    if (def === undefined) {
      def = { Kind: ext.Kind, Name: name, Position: ext.Position }
      schema.types.set(name, def)
      defs.push(def)
    }
    if (def.Kind !== ext.Kind) {
      throw fail(
        ext,
        `Cannot extend type ${name} because the base type is a ${String(def.Kind)}, not ${String(ext.Kind)}.`,
      )
    }
    for (const field of APPENDED) {
      const added = ext[field]
      if (Array.isArray(added)) def[field] = [...((def[field] as unknown[] | undefined) ?? []), ...added]
    }
  }
  const addPossible = (name: string, def: GoNode | undefined) => {
    if (def !== undefined) schema.possibleTypes.set(name, [...(schema.possibleTypes.get(name) ?? []), def])
  }
  for (const def of defs) {
    if (def.Kind === 'UNION') {
      for (const member of strings(def, 'Types')) addPossible(text(def, 'Name'), schema.types.get(member))
    } else if (def.Kind === 'INPUT_OBJECT' || def.Kind === 'OBJECT' || def.Kind === 'INTERFACE') {
      for (const intf of strings(def, 'Interfaces')) addPossible(intf, def)
      if (def.Kind !== 'INTERFACE') addPossible(text(def, 'Name'), def)
    }
  }
  for (const dir of all('Directives')) {
    const name = text(dir, 'Name')
    if (schema.directives.has(name) && !BUILTIN_DIRECTIVES.has(name)) {
      throw fail(dir, `Cannot redeclare directive ${name}.`)
    }
    // gqlparser keeps the last definition of a built-in directive, i.e. the policy's over the prelude's.
    schema.directives.set(name, dir)
  }
  const schemaDefs = nodes(document, 'Schema')
  if (schemaDefs.length > 1) {
    throw fail(schemaDefs[1], 'Cannot have multiple schema entry points, consider schema extensions instead.')
  }
  if (schemaDefs[0] !== undefined) setRoots(schema, schemaDefs[0])
  for (const ext of nodes(document, 'SchemaExtension')) setRoots(schema, ext)
  const typeNames = [...schema.types.keys()].sort()
  for (const name of typeNames) validateDefinition(schema, schema.types.get(name) as GoNode)
  validateInputObjectCycles(schema, typeNames)
  for (const name of [...schema.directives.keys()].sort()) {
    const dir = schema.directives.get(name) as GoNode
    validateName(dir, name)
    validateArgs(schema, nodes(dir, 'Arguments'), dir)
  }
  if (schemaDefs.length === 0) {
    schema.query ??= schema.types.get('Query')
    schema.mutation ??= schema.types.get('Mutation')
    schema.subscription ??= schema.types.get('Subscription')
  }
  return schema
}
