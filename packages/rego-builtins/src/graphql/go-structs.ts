// The gqlparser (github.com/vektah/gqlparser/v2/ast) structs OPA's graphql.* builtins work on, described once
// for both directions of graphql-go-json.ts: every field with its Go type, `json:"-"` fields left out, and for
// the structs with their own UnmarshalJSON the keys that method reads.
//
// Nodes are plain objects keyed by Go field names; a missing field is the Go zero value. Selections carry their
// Go type in `$kind`, and nodes parsed from text carry `Position` ({ Line, Column }) for error messages.

export type GoNode = Record<string, unknown>

export type SelectionKind = 'Field' | 'FragmentSpread' | 'InlineFragment'

export type GoType = 'string' | 'bool' | 'int' | 'selections' | { ptr: string } | { slice: GoType }

export interface StructSpec {
  fields: Array<[string, GoType]>
  /** Keys read by the struct's own UnmarshalJSON, matched exactly; plain structs match every field by name. */
  custom?: string[]
}

export const ptr = (name: string): GoType => ({ ptr: name })

const list = (item: GoType): GoType => ({ slice: item })

const ptrs = (name: string): GoType => list(ptr(name))

const comment: [string, GoType] = ['Comment', ptr('CommentGroup')]

const descriptionComments: Array<[string, GoType]> = [
  ['BeforeDescriptionComment', ptr('CommentGroup')],
  ['AfterDescriptionComment', ptr('CommentGroup')],
]

const directives: [string, GoType] = ['Directives', ptrs('Directive')]

const STRUCTS: Record<string, StructSpec> = {
  QueryDocument: {
    fields: [['Operations', ptrs('OperationDefinition')], ['Fragments', ptrs('FragmentDefinition')], comment],
  },
  OperationDefinition: {
    fields: [
      ['Operation', 'string'],
      ['Name', 'string'],
      ['VariableDefinitions', ptrs('VariableDefinition')],
      directives,
      ['SelectionSet', 'selections'],
      comment,
    ],
    custom: ['Operation', 'Name', 'VariableDefinitions', 'Directives', 'SelectionSet', 'Position'],
  },
  VariableDefinition: {
    fields: [
      ['Variable', 'string'],
      ['Type', ptr('Type')],
      ['DefaultValue', ptr('Value')],
      directives,
      comment,
      ['Definition', ptr('Definition')],
      ['Used', 'bool'],
    ],
  },
  Field: {
    fields: [
      ['Alias', 'string'],
      ['Name', 'string'],
      ['Arguments', ptrs('Argument')],
      directives,
      ['SelectionSet', 'selections'],
      comment,
      ['Definition', ptr('FieldDefinition')],
      ['ObjectDefinition', ptr('Definition')],
    ],
    custom: [
      'Alias',
      'Name',
      'Arguments',
      'Directives',
      'SelectionSet',
      'Position',
      'Definition',
      'ObjectDefinition',
    ],
  },
  Argument: { fields: [['Name', 'string'], ['Value', ptr('Value')], comment] },
  FragmentSpread: {
    fields: [
      ['Name', 'string'],
      directives,
      ['ObjectDefinition', ptr('Definition')],
      ['Definition', ptr('FragmentDefinition')],
      comment,
    ],
  },
  InlineFragment: {
    fields: [
      ['TypeCondition', 'string'],
      directives,
      ['SelectionSet', 'selections'],
      ['ObjectDefinition', ptr('Definition')],
      comment,
    ],
    custom: ['TypeCondition', 'Directives', 'SelectionSet', 'ObjectDefinition', 'Position'],
  },
  FragmentDefinition: {
    fields: [
      ['Name', 'string'],
      ['VariableDefinition', ptrs('VariableDefinition')],
      ['TypeCondition', 'string'],
      directives,
      ['SelectionSet', 'selections'],
      ['Definition', ptr('Definition')],
      comment,
    ],
    custom: [
      'Name',
      'VariableDefinition',
      'TypeCondition',
      'Directives',
      'SelectionSet',
      'Definition',
      'Position',
    ],
  },
  Directive: {
    fields: [
      ['Name', 'string'],
      ['Arguments', ptrs('Argument')],
      ['ParentDefinition', ptr('Definition')],
      ['Definition', ptr('DirectiveDefinition')],
      ['Location', 'string'],
    ],
  },
  Value: {
    fields: [
      ['Raw', 'string'],
      ['Children', ptrs('ChildValue')],
      ['Kind', 'int'],
      comment,
      ['Definition', ptr('Definition')],
      ['VariableDefinition', ptr('VariableDefinition')],
      ['ExpectedType', ptr('Type')],
      ['ExpectedTypeHasDefault', 'bool'],
    ],
  },
  ChildValue: { fields: [['Name', 'string'], ['Value', ptr('Value')], comment] },
  Type: {
    fields: [
      ['NamedType', 'string'],
      ['Elem', ptr('Type')],
      ['NonNull', 'bool'],
    ],
  },
  CommentGroup: { fields: [['List', ptrs('Comment')]] },
  // Comment.Position has no `json:"-"`; it is marshalled (and then pruned by name like every Position).
  Comment: {
    fields: [
      ['Value', 'string'],
      ['Position', ptr('Position')],
    ],
  },
  Position: {
    fields: [
      ['Start', 'int'],
      ['End', 'int'],
      ['Line', 'int'],
      ['Column', 'int'],
      ['Src', ptr('Source')],
    ],
  },
  Source: {
    fields: [
      ['Name', 'string'],
      ['Input', 'string'],
      ['BuiltIn', 'bool'],
    ],
  },
  SchemaDocument: {
    fields: [
      ['Schema', ptrs('SchemaDefinition')],
      ['SchemaExtension', ptrs('SchemaDefinition')],
      ['Directives', ptrs('DirectiveDefinition')],
      ['Definitions', ptrs('Definition')],
      ['Extensions', ptrs('Definition')],
      comment,
    ],
  },
  SchemaDefinition: {
    fields: [
      ['Description', 'string'],
      directives,
      ['OperationTypes', ptrs('OperationTypeDefinition')],
      ...descriptionComments,
      ['EndOfDefinitionComment', ptr('CommentGroup')],
    ],
  },
  OperationTypeDefinition: { fields: [['Operation', 'string'], ['Type', 'string'], comment] },
  Definition: {
    fields: [
      ['Kind', 'string'],
      ['Description', 'string'],
      ['Name', 'string'],
      directives,
      ['Interfaces', list('string')],
      ['Fields', ptrs('FieldDefinition')],
      ['Types', list('string')],
      ['EnumValues', ptrs('EnumValueDefinition')],
      ['BuiltIn', 'bool'],
      ...descriptionComments,
      ['EndOfDefinitionComment', ptr('CommentGroup')],
    ],
  },
  FieldDefinition: {
    fields: [
      ['Description', 'string'],
      ['Name', 'string'],
      ['Arguments', ptrs('ArgumentDefinition')],
      ['DefaultValue', ptr('Value')],
      ['Type', ptr('Type')],
      directives,
      ...descriptionComments,
    ],
  },
  ArgumentDefinition: {
    fields: [
      ['Description', 'string'],
      ['Name', 'string'],
      ['DefaultValue', ptr('Value')],
      ['Type', ptr('Type')],
      directives,
      ...descriptionComments,
    ],
  },
  EnumValueDefinition: {
    fields: [['Description', 'string'], ['Name', 'string'], directives, ...descriptionComments],
  },
  DirectiveDefinition: {
    fields: [
      ['Description', 'string'],
      ['Name', 'string'],
      ['Arguments', ptrs('ArgumentDefinition')],
      ['Locations', list('string')],
      ['IsRepeatable', 'bool'],
      ...descriptionComments,
    ],
  },
}

export function spec(name: string): StructSpec {
  const s = STRUCTS[name]
  if (s === undefined) throw new Error(`unknown gqlparser struct ${name}`)
  return s
}
