// GraphQL text to gqlparser documents (graphql-go-structs.ts), the way gqlparser's ParseQuery / ParseSchema
// build them: graphql-js parses, then each node is rebuilt with gqlparser's fields, its comment groups (the
// comments right before a node's first token, on the nodes where gqlparser's parser keeps them) and its
// position. What gqlparser's split parsers refuse — type definitions in a query, operations in a schema,
// descriptions on operations — is refused here too, and syntax errors take gqlparser's wording.
import { type DocumentNode, GraphQLError, Lexer, parse, Source, type Token, TokenKind } from 'graphql'
import { GqlParseError } from './errors.js'
import type { GoNode } from './go-structs.js'
import { describeSyntaxError } from './syntax-errors.js'
import { commentsBefore } from './text-nodes.js'
import { queryDocument } from './text-query.js'
import { schemaDocument } from './text-schema.js'

function toParseError(error: unknown, source: Source): GqlParseError {
  if (error instanceof GqlParseError) return error
  if (!(error instanceof GraphQLError)) throw error
  const { message, line, column } = describeSyntaxError(error, source)
  return new GqlParseError(message, line, column)
}

/** The comment tokens of a document with no definitions (gqlparser accepts one; graphql-js does not). */
function emptyDocumentEnd(source: Source): Token | undefined {
  const token = new Lexer(source).advance()
  return token.kind === TokenKind.EOF ? token : undefined
}

const RESERVED_ENUM_VALUE = /^Syntax Error: Name "(true|false|null)" is reserved/

/**
 * graphql-js refuses enum values named true, false or null while parsing; gqlparser leaves that to schema
 * validation. Such a name is swapped for a placeholder of the same length and restored after conversion.
 */
function parseDocument(
  text: string,
  restore: Map<number, string>,
): { document: DocumentNode; source: Source } {
  let body = text
  for (;;) {
    const source = new Source(body)
    try {
      return { document: parse(source, { allowLegacyFragmentVariables: true }), source }
    } catch (error) {
      const offset = error instanceof GraphQLError ? error.positions?.[0] : undefined
      const name = error instanceof GraphQLError ? RESERVED_ENUM_VALUE.exec(error.message)?.[1] : undefined
      if (offset === undefined || name === undefined) throw toParseError(error, source)
      restore.set(offset, name)
      body = body.slice(0, offset) + '_'.repeat(name.length) + body.slice(offset + name.length)
    }
  }
}

/** gqlparser's parser.ParseQuery. Throws GqlParseError. */
export function parseQueryText(text: string): GoNode {
  const source = new Source(text)
  try {
    if (emptyDocumentEnd(source) !== undefined) return {}
    return queryDocument(parseDocument(text, new Map()).document)
  } catch (error) {
    throw toParseError(error, source)
  }
}

/** gqlparser's parser.ParseSchema; `builtIn` marks the prelude's definitions. Throws GqlParseError. */
export function parseSchemaText(text: string, builtIn = false): GoNode {
  const source = new Source(text)
  try {
    const eof = emptyDocumentEnd(source)
    if (eof !== undefined) return { Comment: commentsBefore(eof) }
    const restore = new Map<number, string>()
    return schemaDocument(parseDocument(text, restore).document, builtIn, restore)
  } catch (error) {
    throw toParseError(error, source)
  }
}
