// gqlparser's validator.ValidateWithRules(schema, query, default rules) run by graphql-js: gqlparser's rules
// are ports of graphql-js's (and are tested against its suite), so the query document is rebuilt as a graphql-js
// AST (graphql-query-ast.ts) and checked with graphql-js's specified rules, adjusted where gqlparser differs — it
// has a rule refusing operations whose root type the schema lacks, accepts Int literals up to 64 bits, refuses
// numbers that do not fit Go's int64 / float64 where a Float or ID is expected, and trusts an AST object's
// `Used` flag on variable definitions. Errors carry gqlparser's positions and, where they differ, its wording.
import {
  type ASTNode,
  type ASTVisitor,
  ExecutableDefinitionsRule,
  GraphQLError,
  GraphQLFloat,
  GraphQLID,
  type GraphQLSchema,
  getNamedType,
  Kind,
  NoUnusedVariablesRule,
  specifiedRules,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  ValuesOfCorrectTypeRule,
  validate,
} from 'graphql'
import type { GqlError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { child } from './nodes.js'
import { QueryAst } from './query-ast.js'

const KnownRootTypeRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation) === undefined) {
      context.reportError(
        new GraphQLError(`Schema does not support operation type "${node.operation}"`, { nodes: node }),
      )
    }
  },
})

function fitsInt64(raw: string): boolean {
  try {
    const n = BigInt(raw)
    return n >= -(2n ** 63n) && n < 2n ** 63n
  } catch {
    return false
  }
}

/** A graphql-js rule whose errors pass through `drop` first. */
function withFilter(rule: ValidationRule, drop: (error: GraphQLError) => boolean): ValidationRule {
  return (context) => {
    const filtered: ValidationContext = Object.create(context)
    filtered.reportError = (error: GraphQLError) => {
      if (!drop(error)) context.reportError(error)
    }
    return rule(filtered)
  }
}

const INT32_RANGE = /^Int cannot represent non 32-bit signed integer value/

/** graphql-js's ValuesOfCorrectType with gqlparser's number limits. */
const GqlparserValuesRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  const checkNumber = (node: ValueNode & { value: string }, fits: boolean) => {
    const type = context.getInputType()
    const named = type === undefined || type === null ? undefined : getNamedType(type)
    if (fits || (named !== GraphQLFloat && named !== GraphQLID)) return
    const expected = String(type)
    const message =
      expected === 'Float' || expected === 'Float!'
        ? `Float cannot represent non numeric value: ${node.value}`
        : expected === 'ID' || expected === 'ID!'
          ? `ID cannot represent a non-string and non-integer value: ${node.value}`
          : `Expected value of type "${expected}", found ${node.value}.`
    context.reportError(new GraphQLError(message, { nodes: node }))
  }
  const base = withFilter(ValuesOfCorrectTypeRule, (error) => {
    const node = error.nodes?.[0]
    return node?.kind === Kind.INT && INT32_RANGE.test(error.message) && fitsInt64(node.value)
  })(context)
  const { IntValue: baseInt, FloatValue: baseFloat } = base as Record<string, (node: ASTNode) => void>
  return {
    ...base,
    IntValue(node) {
      baseInt?.(node)
      checkNumber(node, fitsInt64(node.value))
    },
    FloatValue(node) {
      baseFloat?.(node)
      checkNumber(node, Number.isFinite(Number(node.value)))
    },
  }
}

const REPLACED = new Set([ExecutableDefinitionsRule, ValuesOfCorrectTypeRule, NoUnusedVariablesRule])
const RULES: readonly ValidationRule[] = [
  ...specifiedRules.filter((rule) => !REPLACED.has(rule)),
  GqlparserValuesRule,
  KnownRootTypeRule,
]

// graphql-js lists both nodes of a clash first-to-last; gqlparser reports the later one.
const AT_LAST_NODE =
  /^(There can be only one|Fields ".*" conflict|The directive .* can only be used once|Variable ".*" of type ".*" used in position|Cannot spread fragment)/

/** gqlparser's wording where graphql-js 16 words the same error differently. */
function gqlparserMessage(message: string): string {
  return message
    .replace(/^(Unknown type "[^"]*")\. Did you mean .*$/, '$1.')
    .replace(
      /^(Field "[^"]*" must not have a selection since type ")([^"]*)(" has no subfields\.)$/,
      (_, before: string, type: string, after: string) => before + type.replace(/[[\]!]/g, '') + after,
    )
}

function positionOf(ast: QueryAst, error: GraphQLError): GoNode | undefined {
  const all = error.nodes ?? []
  const node = AT_LAST_NODE.test(error.message) ? all[all.length - 1] : all[0]
  if (node === undefined) return undefined
  if (/^Unknown argument /.test(error.message)) return ast.argumentOwner.get(node) ?? ast.origin.get(node)
  return ast.origin.get(node)
}

/** The errors gqlparser's validator reports for a query document (empty when valid). */
export function validateQuery(schema: GraphQLSchema, doc: GoNode): GqlError[] {
  const ast = new QueryAst(doc)
  const noUnusedVariables = withFilter(NoUnusedVariablesRule, (error) => {
    const node = error.nodes?.[0]
    return node !== undefined && ast.used.has(node)
  })
  return validate(schema, ast.document, [...RULES, noUnusedVariables]).map((error) => {
    const pos = child(positionOf(ast, error), 'Position')
    const line = pos?.Line
    const column = pos?.Column
    const message = gqlparserMessage(error.message)
    return typeof line === 'number' && typeof column === 'number' ? { message, line, column } : { message }
  })
}
