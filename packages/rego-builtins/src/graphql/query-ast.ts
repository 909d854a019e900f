// A gqlparser query document (graphql-go-structs.ts) as a graphql-js AST, for validation. Each graphql-js node
// remembers the gqlparser position its errors are reported at — the node's own, or for names, types and
// selection sets the position of the node they belong to — since gqlparser and graphql-js attach the same
// error to different nodes.
import type {
  ArgumentNode,
  ASTNode,
  ConstDirectiveNode,
  ConstValueNode,
  DirectiveNode,
  DocumentNode,
  ExecutableDefinitionNode,
  FragmentDefinitionNode,
  NamedTypeNode,
  NameNode,
  OperationDefinitionNode,
  OperationTypeNode,
  SelectionNode,
  SelectionSetNode,
  TypeNode,
  ValueNode,
  VariableDefinitionNode,
} from 'graphql'
import { Kind } from 'graphql'
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { child, nodes, text } from './nodes.js'

export class QueryAst {
  /** The gqlparser node (with its Position) each graphql-js node stands for. */
  readonly origin = new Map<ASTNode, GoNode>()
  /** The node an argument belongs to: gqlparser reports unknown arguments there. */
  readonly argumentOwner = new Map<ASTNode, GoNode>()
  /** Variable definitions an AST object already marks as used: gqlparser never reports those unused. */
  readonly used = new Set<ASTNode>()
  readonly document: DocumentNode

  constructor(doc: GoNode) {
    this.document = this.convert(doc)
  }

  private at<T extends ASTNode>(node: T, source: GoNode): T {
    this.origin.set(node, source)
    return node
  }

  private name(value: string, owner: GoNode): NameNode {
    return this.at({ kind: Kind.NAME, value }, owner)
  }

  private namedType(name: string, owner: GoNode): NamedTypeNode {
    return this.at({ kind: Kind.NAMED_TYPE, name: this.name(name, owner) }, owner)
  }

  private type(node: GoNode | undefined, owner: GoNode): TypeNode {
    if (node === undefined) throw new GqlParseError('missing type')
    const named = text(node, 'NamedType')
    const inner: TypeNode =
      named !== '' || child(node, 'Elem') === undefined
        ? this.namedType(named, owner)
        : this.at({ kind: Kind.LIST_TYPE, type: this.type(child(node, 'Elem'), owner) }, owner)
    return node.NonNull === true ? this.at({ kind: Kind.NON_NULL_TYPE, type: inner }, owner) : inner
  }

  private value(node: GoNode | undefined): ValueNode {
    if (node === undefined) throw new GqlParseError('missing value')
    const raw = text(node, 'Raw')
    const children = nodes(node, 'Children')
    switch (node.Kind ?? 0) {
      case 0:
        return this.at({ kind: Kind.VARIABLE, name: this.name(raw, node) }, node)
      case 1:
        return this.at({ kind: Kind.INT, value: raw }, node)
      case 2:
        return this.at({ kind: Kind.FLOAT, value: raw }, node)
      case 3:
      case 4:
        return this.at({ kind: Kind.STRING, value: raw, block: node.Kind === 4 }, node)
      case 5:
        return this.at({ kind: Kind.BOOLEAN, value: raw === 'true' }, node)
      case 6:
        return this.at({ kind: Kind.NULL }, node)
      case 7:
        return this.at({ kind: Kind.ENUM, value: raw }, node)
      case 8:
        return this.at({ kind: Kind.LIST, values: children.map((c) => this.value(child(c, 'Value'))) }, node)
      case 9:
        return this.at(
          {
            kind: Kind.OBJECT,
            fields: children.map((c) =>
              this.at(
                {
                  kind: Kind.OBJECT_FIELD,
                  name: this.name(text(c, 'Name'), c),
                  value: this.value(child(c, 'Value')),
                },
                c,
              ),
            ),
          },
          node,
        )
      default:
        throw new GqlParseError(`unknown value kind ${String(node.Kind)}`)
    }
  }

  private arguments(owner: GoNode): ArgumentNode[] {
    return nodes(owner, 'Arguments').map((a) => {
      const arg = this.at(
        { kind: Kind.ARGUMENT, name: this.name(text(a, 'Name'), a), value: this.value(child(a, 'Value')) },
        a,
      )
      this.argumentOwner.set(arg, owner)
      return arg
    })
  }

  private directives(owner: GoNode): DirectiveNode[] {
    return nodes(owner, 'Directives').map((d) =>
      this.at({ kind: Kind.DIRECTIVE, name: this.name(text(d, 'Name'), d), arguments: this.arguments(d) }, d),
    )
  }

  private selectionSet(owner: GoNode): SelectionSetNode | undefined {
    const list = nodes(owner, 'SelectionSet')
    if (list.length === 0) return undefined
    return this.at({ kind: Kind.SELECTION_SET, selections: list.map((s) => this.selection(s)) }, owner)
  }

  private requiredSelectionSet(owner: GoNode): SelectionSetNode {
    return this.selectionSet(owner) ?? this.at({ kind: Kind.SELECTION_SET, selections: [] }, owner)
  }

  private selection(s: GoNode): SelectionNode {
    switch (s.$kind) {
      case 'FragmentSpread':
        return this.at(
          { kind: Kind.FRAGMENT_SPREAD, name: this.name(text(s, 'Name'), s), directives: this.directives(s) },
          s,
        )
      case 'InlineFragment': {
        const condition = text(s, 'TypeCondition')
        return this.at(
          {
            kind: Kind.INLINE_FRAGMENT,
            typeCondition: condition === '' ? undefined : this.namedType(condition, s),
            directives: this.directives(s),
            selectionSet: this.requiredSelectionSet(s),
          },
          s,
        )
      }
      default: {
        // gqlparser's response name is the alias unless that is empty.
        const alias = text(s, 'Alias')
        const name = text(s, 'Name')
        return this.at(
          {
            kind: Kind.FIELD,
            alias: alias === '' || alias === name ? undefined : this.name(alias, s),
            name: this.name(name, s),
            arguments: this.arguments(s),
            directives: this.directives(s),
            selectionSet: this.selectionSet(s),
          },
          s,
        )
      }
    }
  }

  private variable(v: GoNode): VariableDefinitionNode {
    const defaultValue = child(v, 'DefaultValue')
    const node = this.at<VariableDefinitionNode>(
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: this.at({ kind: Kind.VARIABLE, name: this.name(text(v, 'Variable'), v) }, v),
        type: this.type(child(v, 'Type'), v),
        // Constness is the parser's business; validation takes the values as they are.
        defaultValue: defaultValue && (this.value(defaultValue) as ConstValueNode),
        directives: this.directives(v) as ConstDirectiveNode[],
      },
      v,
    )
    if (v.Used === true) this.used.add(node)
    return node
  }

  private convert(doc: GoNode): DocumentNode {
    const definitions: ExecutableDefinitionNode[] = []
    for (const op of nodes(doc, 'Operations')) {
      const operation = text(op, 'Operation') || 'query'
      if (operation !== 'query' && operation !== 'mutation' && operation !== 'subscription') {
        throw new GqlParseError(`got unknown operation type "${operation}"`)
      }
      const name = text(op, 'Name')
      definitions.push(
        this.at<OperationDefinitionNode>(
          {
            kind: Kind.OPERATION_DEFINITION,
            operation: operation as OperationTypeNode,
            name: name === '' ? undefined : this.name(name, op),
            variableDefinitions: nodes(op, 'VariableDefinitions').map((v) => this.variable(v)),
            directives: this.directives(op),
            selectionSet: this.requiredSelectionSet(op),
          },
          op,
        ),
      )
    }
    // gqlparser's walker never looks at a fragment's own variable definitions.
    for (const fragment of nodes(doc, 'Fragments')) {
      definitions.push(
        this.at<FragmentDefinitionNode>(
          {
            kind: Kind.FRAGMENT_DEFINITION,
            name: this.name(text(fragment, 'Name'), fragment),
            typeCondition: this.namedType(text(fragment, 'TypeCondition'), fragment),
            directives: this.directives(fragment),
            selectionSet: this.requiredSelectionSet(fragment),
          },
          fragment,
        ),
      )
    }
    return { kind: Kind.DOCUMENT, definitions }
  }
}
