// A graphql-js executable document as gqlparser's QueryDocument. gqlparser's query parser knows only
// operations and fragments, without descriptions.
import {
  type DocumentNode,
  Kind,
  type SelectionSetNode,
  type StringValueNode,
  TokenKind,
  type VariableDefinitionNode,
} from 'graphql'
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { tokenPosition } from './syntax-errors.js'
import {
  commentsBefore,
  directives,
  nextToken,
  position,
  start,
  type,
  unexpected,
  value,
} from './text-nodes.js'

function selections(node: SelectionSetNode | undefined): GoNode[] | undefined {
  return node?.selections.map((s): GoNode => {
    const first = start(s)
    switch (s.kind) {
      case Kind.FIELD:
        return {
          $kind: 'Field',
          Alias: s.alias?.value ?? s.name.value,
          Name: s.name.value,
          Arguments: (s.arguments ?? []).map((a) => ({
            Name: a.name.value,
            Value: value(a.value),
            Position: position(start(a)),
            Comment: commentsBefore(start(a)),
          })),
          Directives: directives(s.directives),
          SelectionSet: selections(s.selectionSet),
          Position: position(first),
          Comment: commentsBefore(first),
        }
      case Kind.FRAGMENT_SPREAD:
        return {
          $kind: 'FragmentSpread',
          Name: s.name.value,
          Directives: directives(s.directives),
          Position: position(nextToken(first)),
          Comment: commentsBefore(first),
        }
      default:
        return {
          $kind: 'InlineFragment',
          TypeCondition: s.typeCondition?.name.value ?? '',
          Directives: directives(s.directives),
          SelectionSet: selections(s.selectionSet),
          Position: position(nextToken(first)),
          Comment: commentsBefore(first),
        }
    }
  })
}

function variableDefinitions(nodes: readonly VariableDefinitionNode[] | undefined): GoNode[] | undefined {
  return nodes?.map((v) => {
    // graphql-js reads descriptions on variable definitions; gqlparser expects the `$` there.
    const description = (v as { description?: StringValueNode }).description
    if (description !== undefined) {
      const token = start(description)
      const { line, column } = tokenPosition(token)
      throw new GqlParseError(`Expected $, found ${token.kind}`, line, column)
    }
    return {
      Variable: v.variable.name.value,
      Type: type(v.type),
      DefaultValue: v.defaultValue === undefined ? undefined : value(v.defaultValue),
      Directives: directives(v.directives),
      Position: position(start(v)),
      Comment: commentsBefore(start(v)),
    }
  })
}

export function queryDocument(document: DocumentNode): GoNode {
  const operations: GoNode[] = []
  const fragments: GoNode[] = []
  for (const def of document.definitions) {
    const first = start(def)
    if (def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION) {
      if (def.description !== undefined) throw unexpected(first)
    }
    if (def.kind === Kind.OPERATION_DEFINITION) {
      operations.push({
        Operation: def.operation,
        Name: def.name?.value ?? '',
        VariableDefinitions: variableDefinitions(def.variableDefinitions),
        Directives: directives(def.directives),
        SelectionSet: selections(def.selectionSet),
        Position: position(first),
        // gqlparser reads the comment of a `{ … }` shorthand operation only after parsing its selections.
        Comment: first.kind === TokenKind.BRACE_L ? undefined : commentsBefore(first),
      })
    } else if (def.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.push({
        Name: def.name.value,
        VariableDefinition: variableDefinitions(def.variableDefinitions),
        TypeCondition: def.typeCondition.name.value,
        Directives: directives(def.directives),
        SelectionSet: selections(def.selectionSet),
        Position: position(first),
        Comment: commentsBefore(first),
      })
    } else {
      throw unexpected(first)
    }
  }
  return { Operations: operations, Fragments: fragments }
}
