// graphql-js nodes and tokens to gqlparser's pieces shared by queries and schemas: positions (a string token
// starts after its quotes), comment groups (the comments right before a node's first token), values with
// gqlparser's string escapes, types and directives.
import {
  type ConstDirectiveNode,
  type DirectiveNode,
  Kind,
  type StringValueNode,
  type Token,
  TokenKind,
  type TypeNode,
  type ValueNode,
} from 'graphql'
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { tokenDescription, tokenPosition } from './syntax-errors.js'

/** gqlparser's ast.ValueKind. */
export const ValueKind = {
  Variable: 0,
  Int: 1,
  Float: 2,
  String: 3,
  Block: 4,
  Boolean: 5,
  Null: 6,
  Enum: 7,
  List: 8,
  Object: 9,
} as const

export function position(token: Token): GoNode {
  const { line, column } = tokenPosition(token)
  return { Line: line, Column: column }
}

/**
 * A string's value as gqlparser's lexer reads it: \u escapes are exactly four hex digits, each its own code
 * point (a surrogate becomes U+FFFD, as Go writes it), so graphql-js's \u{…} and surrogate pairs do not apply.
 */
export function stringValue(node: StringValueNode): string {
  if (node.block === true || node.loc === undefined) return node.value
  const token = node.loc.startToken
  const raw = node.loc.source.body.slice(token.start + 1, token.end - 1)
  if (!raw.includes('\\u')) return node.value
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const escaped = raw[i + 1] as string
    i++
    if (escaped !== 'u') {
      out += ESCAPES[escaped] ?? escaped
      continue
    }
    const hex = raw.slice(i + 1, i + 5)
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
      const at = position(token)
      throw new GqlParseError('Unexpected <Invalid>', at.Line as number, at.Column as number)
    }
    const code = Number.parseInt(hex, 16)
    out += code >= 0xd800 && code <= 0xdfff ? '\ufffd' : String.fromCharCode(code)
    i += 4
  }
  return out
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

export function nextToken(token: Token): Token {
  let next = token.next
  while (next !== null && next.kind === TokenKind.COMMENT) next = next.next
  return next ?? token
}

/** The comment group gqlparser's parser holds when `token` is peeked: the comments directly before it. */
export function commentsBefore(token: Token): GoNode | undefined {
  const list: GoNode[] = []
  for (let t = token.prev; t !== null && t.kind === TokenKind.COMMENT; t = t.prev) {
    list.unshift({ Value: `#${t.value}`, Position: position(t) })
  }
  return list.length === 0 ? undefined : { List: list }
}

export function start(node: { loc?: { startToken: Token } | undefined }): Token {
  if (node.loc === undefined) throw new Error('graphql-js node without location')
  return node.loc.startToken
}

export function end(node: { loc?: { endToken: Token } | undefined }): Token {
  if (node.loc === undefined) throw new Error('graphql-js node without location')
  return node.loc.endToken
}

export function unexpected(token: Token): GqlParseError {
  const { line, column } = tokenPosition(token)
  return new GqlParseError(`Unexpected ${tokenDescription(token)}`, line, column)
}

export function type(node: TypeNode): GoNode {
  switch (node.kind) {
    case Kind.NON_NULL_TYPE:
      return { ...type(node.type), NonNull: true }
    case Kind.LIST_TYPE:
      return { Elem: type(node.type), Position: position(nextToken(start(node))) }
    default:
      return { NamedType: node.name.value, Position: position(start(node)) }
  }
}

export function value(node: ValueNode): GoNode {
  const at = position(start(node))
  switch (node.kind) {
    case Kind.VARIABLE:
      return { Raw: node.name.value, Kind: ValueKind.Variable, Position: at }
    case Kind.INT:
      return { Raw: node.value, Kind: ValueKind.Int, Position: at }
    case Kind.FLOAT:
      return { Raw: node.value, Kind: ValueKind.Float, Position: at }
    case Kind.STRING:
      return {
        Raw: stringValue(node),
        Kind: node.block === true ? ValueKind.Block : ValueKind.String,
        Position: at,
      }
    case Kind.BOOLEAN:
      return { Raw: String(node.value), Kind: ValueKind.Boolean, Position: at }
    case Kind.NULL:
      return { Raw: 'null', Kind: ValueKind.Null, Position: at }
    case Kind.ENUM:
      return { Raw: node.value, Kind: ValueKind.Enum, Position: at }
    case Kind.LIST:
      return {
        Children: node.values.map((v) => ({ Name: '', Value: value(v) })),
        Kind: ValueKind.List,
        Position: at,
        Comment: commentsBefore(start(node)),
      }
    case Kind.OBJECT:
      return {
        Children: node.fields.map((f) => ({
          Name: f.name.value,
          Value: value(f.value),
          Position: position(start(f)),
          Comment: commentsBefore(start(f)),
        })),
        Kind: ValueKind.Object,
        Position: at,
        Comment: commentsBefore(start(node)),
      }
  }
}

export function directives(nodes: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): GoNode[] {
  return (nodes ?? []).map((d) => ({
    Name: d.name.value,
    Arguments: (d.arguments ?? []).map((a) => ({
      Name: a.name.value,
      Value: value(a.value),
      Position: position(start(a)),
      Comment: commentsBefore(start(a)),
    })),
    Location: '',
    Position: position(start(d.name)),
  }))
}
