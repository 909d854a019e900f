// A graphql-js schema for query validation, built from a schema gqlparser's rules accepted (graphql-schema-
// check.ts) rather than from SDL, so that graphql-js sees exactly gqlparser's merged types and roots: types that
// extensions created, roots chosen by name, no required Query type (assumeValid skips graphql-js's own schema
// rules). The prelude's scalars, introspection types and directives map to graphql-js's; @defer, which
// gqlparser's prelude declares and graphql-js 16 does not, is added.
import {
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLInterfaceType,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  introspectionTypes,
  specifiedDirectives,
  specifiedScalarTypes,
} from 'graphql'
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { child, nodes, strings, text } from './nodes.js'
import { isPreludeDirective } from './prelude.js'
import type { CheckedSchema } from './schema-rules.js'

const BUILTIN_TYPES = new Map<string, GraphQLNamedType>(
  [...specifiedScalarTypes, ...introspectionTypes].map((t) => [t.name, t]),
)

const DEFER = new GraphQLDirective({
  name: 'defer',
  locations: [DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
  args: { if: { type: GraphQLBoolean, defaultValue: true }, label: { type: GraphQLString } },
})

const BUILTIN_DIRECTIVES = new Map<string, GraphQLDirective>(
  [...specifiedDirectives, DEFER].map((d) => [d.name, d]),
)

// Only whether an argument has a default matters to validation (a required argument is non-null without one).
const HAS_DEFAULT = Symbol('default')

class SchemaBuilder {
  private readonly types = new Map<string, GraphQLNamedType>()

  constructor(private readonly checked: CheckedSchema) {}

  named(name: string): GraphQLNamedType {
    const known = this.types.get(name)
    if (known !== undefined) return known
    const def = this.checked.types.get(name)
    if (def === undefined) throw new GqlParseError(`Undefined type ${name}.`)
    const built = (def.BuiltIn === true ? BUILTIN_TYPES.get(name) : undefined) ?? this.build(def)
    this.types.set(name, built)
    return built
  }

  private build(def: GoNode): GraphQLNamedType {
    const name = text(def, 'Name')
    const interfaces = () => strings(def, 'Interfaces').map((i) => this.named(i) as GraphQLInterfaceType)
    switch (def.Kind) {
      case 'OBJECT':
        return new GraphQLObjectType({ name, interfaces, fields: () => this.fields(def) })
      case 'INTERFACE':
        return new GraphQLInterfaceType({ name, interfaces, fields: () => this.fields(def) })
      case 'UNION':
        return new GraphQLUnionType({
          name,
          types: () => strings(def, 'Types').map((t) => this.named(t) as GraphQLObjectType),
        })
      case 'ENUM':
        return new GraphQLEnumType({
          name,
          values: Object.fromEntries(nodes(def, 'EnumValues').map((v) => [text(v, 'Name'), {}])),
        })
      case 'INPUT_OBJECT':
        return new GraphQLInputObjectType({
          name,
          isOneOf: nodes(def, 'Directives').some((d) => text(d, 'Name') === 'oneOf'),
          fields: () => {
            const fields: GraphQLInputFieldConfigMap = {}
            for (const f of nodes(def, 'Fields')) fields[text(f, 'Name')] = this.input(f)
            return fields
          },
        })
      case 'SCALAR':
        // gqlparser leaves custom scalars to the server: any literal is acceptable.
        return new GraphQLScalarType({ name, parseValue: (v) => v, parseLiteral: () => true })
      default:
        // A kind gqlparser does not know (from an AST object) has no fields to select.
        return new GraphQLObjectType({ name, fields: {} })
    }
  }

  type(node: GoNode | undefined): GraphQLInputType & GraphQLOutputType {
    if (node === undefined) throw new GqlParseError('missing type')
    const named = text(node, 'NamedType')
    const inner = named !== '' ? this.named(named) : new GraphQLList(this.type(child(node, 'Elem')))
    return (node.NonNull === true ? new GraphQLNonNull(inner) : inner) as GraphQLInputType & GraphQLOutputType
  }

  private input(node: GoNode) {
    const hasDefault = child(node, 'DefaultValue') !== undefined
    return { type: this.type(child(node, 'Type')), defaultValue: hasDefault ? HAS_DEFAULT : undefined }
  }

  args(list: GoNode[]): GraphQLFieldConfigArgumentMap {
    const args: GraphQLFieldConfigArgumentMap = {}
    for (const arg of list) args[text(arg, 'Name')] = this.input(arg)
    return args
  }

  private fields(def: GoNode): GraphQLFieldConfigMap<unknown, unknown> {
    const fields: GraphQLFieldConfigMap<unknown, unknown> = {}
    for (const f of nodes(def, 'Fields')) {
      fields[text(f, 'Name')] = { type: this.type(child(f, 'Type')), args: this.args(nodes(f, 'Arguments')) }
    }
    return fields
  }

  directive(def: GoNode): GraphQLDirective {
    const name = text(def, 'Name')
    const builtin = isPreludeDirective(def) ? BUILTIN_DIRECTIVES.get(name) : undefined
    return (
      builtin ??
      new GraphQLDirective({
        name,
        locations: strings(def, 'Locations') as DirectiveLocation[],
        args: this.args(nodes(def, 'Arguments')),
        isRepeatable: def.IsRepeatable === true,
      })
    )
  }

  root(def: GoNode | undefined): GraphQLObjectType | undefined {
    return def === undefined ? undefined : (this.named(text(def, 'Name')) as GraphQLObjectType)
  }
}

/** Throws GqlParseError when graphql-js cannot represent the schema (names it does not allow, say). */
export function buildGraphqlSchema(checked: CheckedSchema): GraphQLSchema {
  try {
    const builder = new SchemaBuilder(checked)
    return new GraphQLSchema({
      query: builder.root(checked.query),
      mutation: builder.root(checked.mutation),
      subscription: builder.root(checked.subscription),
      types: [...checked.types.keys()].map((name) => builder.named(name)),
      directives: [...checked.directives.values()].map((d) => builder.directive(d)),
      assumeValid: true,
    })
  } catch (error) {
    if (error instanceof GqlParseError) throw error
    throw new GqlParseError(error instanceof Error ? error.message : String(error))
  }
}
