// graphql.parse, graphql.parse_and_verify, graphql.parse_query, graphql.parse_schema, graphql.is_valid and
// graphql.schema_is_valid as OPA's topdown/graphql.go implements them on gqlparser: documents come back as
// gqlparser's structs in JSON, pruned of positions, nulls and empty values; a query or schema may be given as
// GraphQL text or as such an AST object; schemas are checked with gqlparser's rules on top of its prelude and
// queries with its validation rules. parse and parse_query/parse_schema fail with OPA's messages; the other
// four never fail, they answer false (or [false, {}, {}]).
import type { GraphQLSchema } from 'graphql'
import type { BuiltinTable } from '../host/index.js'
import { BuiltinError, operandTypeError, stringOperand } from '../host/index.js'
import { isObject } from '../values/index.js'
import { buildGraphqlSchema } from './build-schema.js'
import { formatGqlParserError, GqlParseError, gqlErrorListText, gqlErrorText } from './errors.js'
import { decodeNode, encodeNode } from './go-json.js'
import type { GoNode } from './go-structs.js'
import { type CheckedSchema, checkSchema } from './schema-check.js'
import { parseQueryText, parseSchemaText } from './text.js'
import { validateQuery } from './validate-query.js'

type DocumentKind = 'QueryDocument' | 'SchemaDocument'

/** A query or schema operand: GraphQL text, or an AST object decoded the way Go's json.Unmarshal would. */
function document(value: unknown, kind: DocumentKind, operand: number): GoNode {
  if (typeof value === 'string') {
    try {
      return kind === 'QueryDocument' ? parseQueryText(value) : parseSchemaText(value)
    } catch (error) {
      if (error instanceof GqlParseError) throw formatGqlParserError(gqlErrorText(error.toGqlError()))
      throw error
    }
  }
  if (isObject(value)) {
    const decoded = decodeNode(value, kind)
    if (typeof decoded === 'string') throw new BuiltinError(decoded)
    return decoded
  }
  // OPA numbers the operands of these two from 0.
  throw operandTypeError(operand, value, 'string', 'object')
}

interface SchemaEntry {
  value: Record<string, unknown>
  checked?: CheckedSchema
  error?: BuiltinError
  graphql?: GraphQLSchema | BuiltinError
}

// Policies usually check requests against one schema held in a string: keep the work done on the last few.
const CACHE_SIZE = 10

function schemaCache() {
  const entries = new Map<string, SchemaEntry>()
  return (operand: unknown): SchemaEntry => {
    const key = typeof operand === 'string' ? operand : undefined
    const cached = key === undefined ? undefined : entries.get(key)
    if (cached !== undefined) return cached
    const doc = document(operand, 'SchemaDocument', 1)
    const entry: SchemaEntry = { value: encodeNode(doc, 'SchemaDocument') }
    try {
      entry.checked = checkSchema(doc)
    } catch (error) {
      if (!(error instanceof GqlParseError)) throw error
      entry.error = conversionError(error)
    }
    if (key !== undefined) {
      if (entries.size >= CACHE_SIZE) entries.delete(entries.keys().next().value as string)
      entries.set(key, entry)
    }
    return entry
  }
}

function conversionError(error: GqlParseError): BuiltinError {
  return new BuiltinError(
    `Error in gqlparser SchemaDocument to Schema conversion: ${gqlErrorText(error.toGqlError())}`,
  )
}

function graphqlSchema(entry: SchemaEntry): GraphQLSchema {
  if (entry.error !== undefined) throw entry.error
  if (entry.graphql === undefined) {
    try {
      entry.graphql = buildGraphqlSchema(entry.checked as CheckedSchema)
    } catch (error) {
      if (!(error instanceof GqlParseError)) throw error
      entry.graphql = conversionError(error)
    }
  }
  if (entry.graphql instanceof BuiltinError) throw entry.graphql
  return entry.graphql
}

function verify(schema: GraphQLSchema, query: GoNode): void {
  let errors: ReturnType<typeof validateQuery>
  try {
    errors = validateQuery(schema, query)
  } catch (error) {
    if (!(error instanceof GqlParseError)) throw error
    errors = [error.toGqlError()]
  }
  if (errors.length > 0) throw formatGqlParserError(gqlErrorListText(errors))
}

/** Runs `fn`, turning any builtin error into `fallback` (the builtins that answer instead of failing). */
function orElse<T>(fallback: T, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof BuiltinError) return fallback
    throw error
  }
}

export function graphqlBuiltins(): BuiltinTable {
  const schemaFor = schemaCache()
  const parse = (query: unknown, schema: unknown) => {
    const queryDoc = document(query, 'QueryDocument', 0)
    const entry = schemaFor(schema)
    verify(graphqlSchema(entry), queryDoc)
    return [encodeNode(queryDoc, 'QueryDocument'), entry.value]
  }
  return {
    'graphql.parse': parse,
    'graphql.parse_and_verify': (query, schema) =>
      orElse([false, {}, {}], () => [true, ...parse(query, schema)]),
    'graphql.parse_query': (query) =>
      encodeNode(document(stringOperand(query, 1), 'QueryDocument', 1), 'QueryDocument'),
    'graphql.parse_schema': (schema) =>
      encodeNode(document(stringOperand(schema, 1), 'SchemaDocument', 1), 'SchemaDocument'),
    'graphql.is_valid': (query, schema) =>
      orElse(false, () => {
        const queryDoc = document(query, 'QueryDocument', 0)
        verify(graphqlSchema(schemaFor(schema)), queryDoc)
        return true
      }),
    'graphql.schema_is_valid': (schema) => orElse(false, () => schemaFor(schema).error === undefined),
  }
}
