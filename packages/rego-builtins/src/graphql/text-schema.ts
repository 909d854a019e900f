// A graphql-js type system document as gqlparser's SchemaDocument: descriptions and the comment groups around
// them, extensions kept apart from definitions, union member positions. gqlparser's schema parser knows no
// operations or fragments.
import {
  type ConstDirectiveNode,
  type DocumentNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  Kind,
  type Location,
  type OperationTypeDefinitionNode,
  type StringValueNode,
  type Token,
} from 'graphql'
import type { GoNode } from './go-structs.js'
import {
  commentsBefore,
  directives,
  end,
  nextToken,
  position,
  start,
  stringValue,
  type,
  unexpected,
  value,
} from './text-nodes.js'

interface Described {
  description?: StringValueNode | undefined
  loc?: { startToken: Token; endToken: Token } | undefined
}

/** Description, its comment groups and the keyword token that follows it, for a top-level definition. */
function describedDefinition(node: Described, builtIn: boolean): { fields: GoNode; keyword: Token } {
  const first = start(node)
  const keyword = node.description === undefined ? first : nextToken(start(node.description))
  return {
    keyword,
    fields: {
      Description: node.description === undefined ? '' : stringValue(node.description),
      BeforeDescriptionComment: node.description === undefined ? undefined : commentsBefore(first),
      AfterDescriptionComment: commentsBefore(keyword),
      BuiltIn: builtIn,
    },
  }
}

/** Fields, arguments and enum values: the description comment counts only for a non-empty description. */
function describedMember(node: Described & { name: { loc?: { startToken: Token } } }): GoNode {
  const name = start(node.name)
  const description = node.description === undefined ? '' : stringValue(node.description)
  return {
    Description: description,
    BeforeDescriptionComment: description === '' ? undefined : commentsBefore(start(node)),
    AfterDescriptionComment: commentsBefore(name),
    Position: position(name),
  }
}

function inputValue(node: InputValueDefinitionNode): GoNode {
  return {
    ...describedMember(node),
    Name: node.name.value,
    DefaultValue: node.defaultValue === undefined ? undefined : value(node.defaultValue),
    Type: type(node.type),
    Directives: directives(node.directives),
  }
}

function fieldDefinition(node: FieldDefinitionNode): GoNode {
  return {
    ...describedMember(node),
    Name: node.name.value,
    Arguments: (node.arguments ?? []).map(inputValue),
    Type: type(node.type),
    Directives: directives(node.directives),
  }
}

function enumValue(node: EnumValueDefinitionNode, restore: Map<number, string>): GoNode {
  const name = start(node.name)
  return {
    ...describedMember(node),
    Name: restore.get(name.start) ?? node.name.value,
    Directives: directives(node.directives),
  }
}

function operationTypes(nodes: readonly OperationTypeDefinitionNode[] | undefined): GoNode[] {
  return (nodes ?? []).map((op) => ({
    Operation: op.operation,
    Type: op.type.name.value,
    Position: position(start(op)),
    Comment: commentsBefore(start(op)),
  }))
}

const DEFINITION_KINDS: Partial<Record<Kind, string>> = {
  [Kind.SCALAR_TYPE_DEFINITION]: 'SCALAR',
  [Kind.OBJECT_TYPE_DEFINITION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'INTERFACE',
  [Kind.UNION_TYPE_DEFINITION]: 'UNION',
  [Kind.ENUM_TYPE_DEFINITION]: 'ENUM',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'INPUT_OBJECT',
  [Kind.SCALAR_TYPE_EXTENSION]: 'SCALAR',
  [Kind.OBJECT_TYPE_EXTENSION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'INTERFACE',
  [Kind.UNION_TYPE_EXTENSION]: 'UNION',
  [Kind.ENUM_TYPE_EXTENSION]: 'ENUM',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'INPUT_OBJECT',
}

export function schemaDocument(
  document: DocumentNode,
  builtIn: boolean,
  restore: Map<number, string>,
): GoNode {
  const doc: Record<string, GoNode[]> = {
    Schema: [],
    SchemaExtension: [],
    Directives: [],
    Definitions: [],
    Extensions: [],
  }
  for (const def of document.definitions) {
    const first = start(def)
    switch (def.kind) {
      case Kind.SCHEMA_DEFINITION: {
        const { fields, keyword } = describedDefinition(def, builtIn)
        doc.Schema?.push({
          ...fields,
          Directives: directives(def.directives),
          OperationTypes: operationTypes(def.operationTypes),
          EndOfDefinitionComment: commentsBefore(end(def)),
          Position: position(nextToken(keyword)),
        })
        break
      }
      case Kind.SCHEMA_EXTENSION:
        doc.SchemaExtension?.push({
          AfterDescriptionComment: commentsBefore(first),
          Directives: directives(def.directives),
          OperationTypes: operationTypes(def.operationTypes),
          EndOfDefinitionComment:
            (def.operationTypes ?? []).length > 0 ? commentsBefore(end(def)) : undefined,
          Position: position(nextToken(nextToken(first))),
        })
        break
      case Kind.DIRECTIVE_DEFINITION: {
        const { fields } = describedDefinition(def, builtIn)
        doc.Directives?.push({
          ...fields,
          Name: def.name.value,
          Arguments: (def.arguments ?? []).map(inputValue),
          Locations: def.locations.map((l) => l.value),
          IsRepeatable: def.repeatable,
          Position: position(start(def.name)),
        })
        break
      }
      case Kind.OPERATION_DEFINITION:
      case Kind.FRAGMENT_DEFINITION:
        throw unexpected(def.description === undefined ? first : nextToken(start(def.description)))
      default: {
        const kind = DEFINITION_KINDS[def.kind]
        if (kind === undefined) throw unexpected(first)
        const extension = def.kind.endsWith('Extension')
        const described = extension
          ? { AfterDescriptionComment: commentsBefore(first), BuiltIn: builtIn }
          : describedDefinition(def as Described, builtIn).fields
        const body = def as {
          name: { value: string; loc?: { startToken: Token } }
          directives?: readonly ConstDirectiveNode[]
          interfaces?: readonly { name: { value: string } }[]
          fields?: readonly (FieldDefinitionNode | InputValueDefinitionNode)[]
          types?: readonly { name: { value: string }; loc?: Location }[]
          values?: readonly EnumValueDefinitionNode[]
        }
        const members = body.fields ?? body.values ?? []
        doc[extension ? 'Extensions' : 'Definitions']?.push({
          ...described,
          Kind: kind,
          Name: body.name.value,
          Directives: directives(body.directives),
          Interfaces: body.interfaces?.map((i) => i.name.value),
          Fields: body.fields?.map((f) =>
            f.kind === Kind.FIELD_DEFINITION ? fieldDefinition(f) : inputValue(f),
          ),
          Types: body.types?.map((t) => t.name.value),
          TypePositions: body.types?.map((t) => position(start(t))),
          EnumValues: body.values?.map((v) => enumValue(v, restore)),
          EndOfDefinitionComment: members.length > 0 ? commentsBefore(end(def)) : undefined,
          Position: position(start(body.name)),
        })
      }
    }
  }
  return { ...doc, Comment: commentsBefore(end(document)) }
}
