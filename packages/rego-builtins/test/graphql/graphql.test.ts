import { describe, expect, it } from 'vitest'
import { builtinCaller } from '../helpers/call-builtin.js'

const call = builtinCaller()
const strict = builtinCaller({ strictBuiltinErrors: true })

const SCHEMA = `
  extend type Query {
    myAction(myEnum: Locale!): SomeResult!
  }
  type SomeResult {
    id: String
  }
  enum Locale {
    EN
    DE
  }
`

describe('graphql.parse_query', () => {
  it("returns gqlparser's AST without positions, nulls or empty lists", () => {
    expect(
      call('graphql.parse_query', 'query Q($v: [Int!] = [1]) { a: f(x: $v, s: "s") @skip(if: true) { g } }'),
    ).toEqual({
      Operations: [
        {
          Name: 'Q',
          Operation: 'query',
          SelectionSet: [
            {
              Alias: 'a',
              Name: 'f',
              Arguments: [
                { Name: 'x', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'v' } },
                { Name: 's', Value: { ExpectedTypeHasDefault: false, Kind: 3, Raw: 's' } },
              ],
              Directives: [
                {
                  Location: '',
                  Name: 'skip',
                  Arguments: [{ Name: 'if', Value: { ExpectedTypeHasDefault: false, Kind: 5, Raw: 'true' } }],
                },
              ],
              SelectionSet: [{ Alias: 'g', Name: 'g' }],
            },
          ],
          VariableDefinitions: [
            {
              DefaultValue: {
                Children: [{ Name: '', Value: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' } }],
                ExpectedTypeHasDefault: false,
                Kind: 8,
                Raw: '',
              },
              Type: { Elem: { NamedType: 'Int', NonNull: true }, NamedType: '', NonNull: false },
              Used: false,
              Variable: 'v',
            },
          ],
        },
      ],
    })
  })

  it('keeps the comments gqlparser attaches, and drops those of a shorthand operation', () => {
    expect(call('graphql.parse_query', '# op\nquery { # field\n a }')).toEqual({
      Operations: [
        {
          Comment: { List: [{ Value: '# op' }] },
          Name: '',
          Operation: 'query',
          SelectionSet: [{ Alias: 'a', Comment: { List: [{ Value: '# field' }] }, Name: 'a' }],
        },
      ],
    })
    expect(call('graphql.parse_query', '# lost\n{ a }')).toEqual({
      Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'a', Name: 'a' }] }],
    })
  })

  it('accepts an empty document and refuses type definitions', () => {
    expect(call('graphql.parse_query', '  # nothing\n')).toEqual({})
    expect(call('graphql.parse_query', 'type T { a: Int }')).toBeUndefined()
  })

  it("fails with gqlparser's message and position when errors are strict", () => {
    expect(() => strict('graphql.parse_query', '{')).toThrow(
      'graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2',
    )
    expect(() => strict('graphql.parse_query', '{...{__typename{...{}}}}')).toThrow(
      'graphql.parse_query: expected at least one definition, found } in GraphQL string at location 1:21',
    )
    expect(() => strict('graphql.parse_query', 'fragment x on Type { ... }')).toThrow(
      'graphql.parse_query: Expected {, found } in GraphQL string at location 1:26',
    )
    expect(() => strict('graphql.parse_query', 42)).toThrow(
      'graphql.parse_query: operand 1 must be string but got number',
    )
  })
})

describe('graphql.parse_schema', () => {
  it('returns definitions and extensions as gqlparser parses them, unvalidated', () => {
    expect(
      call('graphql.parse_schema', '"Greets" type Hello implements & A & B { world(x: Int = 1): String }'),
    ).toEqual({
      Definitions: [
        {
          BuiltIn: false,
          Description: 'Greets',
          Fields: [
            {
              Arguments: [
                {
                  DefaultValue: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' },
                  Description: '',
                  Name: 'x',
                  Type: { NamedType: 'Int', NonNull: false },
                },
              ],
              Description: '',
              Name: 'world',
              Type: { NamedType: 'String', NonNull: false },
            },
          ],
          Interfaces: ['A', 'B'],
          Kind: 'OBJECT',
          Name: 'Hello',
        },
      ],
    })
    expect(call('graphql.parse_schema', 'extend schema @d\ndirective @d repeatable on SCHEMA')).toEqual({
      Directives: [{ Description: '', IsRepeatable: true, Locations: ['SCHEMA'], Name: 'd' }],
      SchemaExtension: [{ Description: '', Directives: [{ Location: '', Name: 'd' }] }],
    })
  })

  it('parses enum values gqlparser only refuses when validating', () => {
    expect(call('graphql.parse_schema', 'enum E { true }')).toEqual({
      Definitions: [
        {
          BuiltIn: false,
          Description: '',
          EnumValues: [{ Description: '', Name: 'true' }],
          Kind: 'ENUM',
          Name: 'E',
        },
      ],
    })
    expect(call('graphql.schema_is_valid', 'enum E { true }')).toBe(false)
  })

  it('fails on syntax errors and refuses operations', () => {
    expect(() => strict('graphql.parse_schema', 'enum Hello {}')).toThrow(
      'graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13',
    )
    expect(() =>
      strict('graphql.parse_schema', '\n   "Description"\n   extend type Hello { a: Int }'),
    ).toThrow('graphql.parse_schema: Unexpected String "Description" in GraphQL string at location 2:5')
    expect(call('graphql.parse_schema', '{ a }')).toBeUndefined()
  })
})

describe('graphql.is_valid and graphql.schema_is_valid', () => {
  it("checks queries with gqlparser's rules against its prelude", () => {
    const query = (args: string) => `query Op { myAction${args} { id } }`
    expect(call('graphql.is_valid', query('(myEnum: DE)'), SCHEMA)).toBe(true)
    expect(call('graphql.is_valid', query(''), SCHEMA)).toBe(false)
    expect(call('graphql.is_valid', query('(myEnum: FR)'), SCHEMA)).toBe(false)
    expect(call('graphql.is_valid', 'mutation { x }', SCHEMA)).toBe(false)
    expect(call('graphql.is_valid', '{ __schema { queryType { name } } }', SCHEMA)).toBe(true)
  })

  it('accepts 64-bit Int literals as gqlparser does, not just 32-bit ones', () => {
    const schema = 'type Query { f(n: Int, x: Float): Int }'
    expect(call('graphql.is_valid', '{ f(n: 99999999999) }', schema)).toBe(true)
    expect(call('graphql.is_valid', '{ f(n: 99999999999999999999) }', schema)).toBe(false)
    expect(call('graphql.is_valid', '{ f(x: 99999999999999999999) }', schema)).toBe(false)
  })

  it("validates schemas with gqlparser's rules", () => {
    expect(call('graphql.schema_is_valid', 'extend type User { id: ID! } union U = User')).toBe(true)
    expect(call('graphql.schema_is_valid', 'type T { a: Int }')).toBe(true)
    expect(call('graphql.schema_is_valid', 'type T { a: Nope }')).toBe(false)
    expect(call('graphql.schema_is_valid', 'type T { a: Int } type T { b: Int }')).toBe(false)
    expect(call('graphql.schema_is_valid', 'extend type T { a: Int } scalar T')).toBe(false)
    expect(call('graphql.schema_is_valid', 'type T implements I { b: Int } interface I { a: Int }')).toBe(
      false,
    )
    expect(call('graphql.schema_is_valid', 'input I { a: I! }')).toBe(false)
  })

  it('answers false rather than failing, even for operands of the wrong type', () => {
    expect(strict('graphql.is_valid', '{', SCHEMA)).toBe(false)
    expect(strict('graphql.is_valid', 1, SCHEMA)).toBe(false)
    expect(strict('graphql.is_valid', '{ a }', 1)).toBe(false)
    expect(strict('graphql.schema_is_valid', ['type Query { a: Int }'])).toBe(false)
  })
})

describe('graphql.parse and graphql.parse_and_verify', () => {
  it('returns the query and schema ASTs of a valid query', () => {
    const [query, schema] = call('graphql.parse', '{ myAction(myEnum: EN) { id } }', SCHEMA) as unknown[]
    expect(query).toEqual(call('graphql.parse_query', '{ myAction(myEnum: EN) { id } }'))
    expect(schema).toEqual(call('graphql.parse_schema', SCHEMA))
    expect(call('graphql.parse_and_verify', '{ myAction(myEnum: EN) { id } }', SCHEMA)).toEqual([
      true,
      query,
      schema,
    ])
  })

  it('fails graphql.parse with the first validation error and its position', () => {
    const query = 'query SomeOperation {\n  # no argument\n  myAction {\n    id\n  }\n}'
    expect(call('graphql.parse', query, SCHEMA)).toBeUndefined()
    expect(() => strict('graphql.parse', query, SCHEMA)).toThrow(
      'graphql.parse: Field "myAction" argument "myEnum" of type "Locale!" is required, but it was not provided in GraphQL string at location 3:3',
    )
    expect(() => strict('graphql.parse', '{ a }', 'type Query { a: Foo }')).toThrow(
      'graphql.parse: Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Undefined type Foo.',
    )
    expect(() => strict('graphql.parse', 7, SCHEMA)).toThrow(
      'graphql.parse: operand 0 must be one of {string, object} but got number',
    )
  })

  it('answers [false, {}, {}] from graphql.parse_and_verify instead of failing', () => {
    expect(strict('graphql.parse_and_verify', '{ myAction { id } }', SCHEMA)).toEqual([false, {}, {}])
    expect(strict('graphql.parse_and_verify', '{ x }', 'type Query {')).toEqual([false, {}, {}])
    expect(strict('graphql.parse_and_verify', null, SCHEMA)).toEqual([false, {}, {}])
  })
})

describe('AST objects as operands', () => {
  const schema = 'type Query { x: Int y: Int }'

  it('takes the ASTs graphql.parse_query and graphql.parse_schema return', () => {
    const query = call('graphql.parse_query', '{ x y }')
    const schemaAst = call('graphql.parse_schema', schema)
    expect(call('graphql.is_valid', query, schemaAst)).toBe(true)
    expect(call('graphql.parse_and_verify', query, schemaAst)).toEqual([true, query, schemaAst])
  })

  it("decodes them as Go's encoding/json does", () => {
    // Plain structs match keys ignoring case; missing fields come back as Go zero values.
    expect(
      call(
        'graphql.parse',
        { Operations: [{ Operation: 'query', SelectionSet: [{ Name: 'x' }] }] },
        {
          definitions: [
            { kind: 'OBJECT', name: 'Query', fields: [{ name: 'x', type: { namedType: 'Int' } }] },
          ],
        },
      ),
    ).toEqual([
      { Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: '', Name: 'x' }] }] },
      {
        Definitions: [
          {
            BuiltIn: false,
            Description: '',
            Fields: [{ Description: '', Name: 'x', Type: { NamedType: 'Int', NonNull: false } }],
            Kind: 'OBJECT',
            Name: 'Query',
          },
        ],
      },
    ])
    const misTyped = { Operations: [{ Operation: 'query', Name: 5, SelectionSet: [{ Name: 'x' }] }] }
    expect(call('graphql.is_valid', misTyped, schema)).toBe(false)
    expect(call('graphql.parse', misTyped, schema)).toBeUndefined()
  })

  it("keeps gqlparser's quirks: an inline fragment decodes as a field, a used flag is trusted", () => {
    const inline = { TypeCondition: 'Query', SelectionSet: [{ Name: 'x', Alias: 'x' }] }
    expect(
      call('graphql.is_valid', { Operations: [{ Operation: 'query', SelectionSet: [inline] }] }, schema),
    ).toBe(false)
    const withVariable = (used: boolean) => ({
      Operations: [
        {
          Operation: 'query',
          SelectionSet: [{ Name: 'x' }],
          VariableDefinitions: [{ Variable: 'v', Type: { NamedType: 'Int' }, Used: used }],
        },
      ],
    })
    expect(call('graphql.is_valid', withVariable(false), schema)).toBe(false)
    expect(call('graphql.is_valid', withVariable(true), schema)).toBe(true)
  })
})
