// graphql-js syntax errors in gqlparser's words. Both parsers descend from the same reference parser, so the
// errors line up: "Expected Name, found <EOF>", `Expected "on", found Name "Type"`, `Unexpected Name "x"`.
// gqlparser does not quote punctuators, names only the kind of the token it found where it expected another
// kind, says "expected at least one definition" for an empty `{}` or `()`, and reports a token the lexer could
// not read as <Invalid>.
import { type GraphQLError, Lexer, type Source, type Token, TokenKind } from 'graphql'

const PUNCTUATORS = new Set<string>([
  TokenKind.BANG,
  TokenKind.DOLLAR,
  TokenKind.AMP,
  TokenKind.PAREN_L,
  TokenKind.PAREN_R,
  TokenKind.DOT,
  TokenKind.SPREAD,
  TokenKind.COLON,
  TokenKind.EQUALS,
  TokenKind.AT,
  TokenKind.BRACKET_L,
  TokenKind.BRACKET_R,
  TokenKind.BRACE_L,
  TokenKind.PIPE,
  TokenKind.BRACE_R,
])

const WITH_VALUE = new Set<string>([
  TokenKind.NAME,
  TokenKind.INT,
  TokenKind.FLOAT,
  TokenKind.STRING,
  TokenKind.BLOCK_STRING,
])

/** gqlparser's lexer.Token.String(): the kind, and the value in Go quotes when there is one. */
export function tokenDescription(token: Token): string {
  const value = WITH_VALUE.has(token.kind) ? (token.value ?? '') : ''
  return value === '' ? token.kind : `${token.kind} ${JSON.stringify(value)}`
}

/** The token that starts at `offset`, if the source lexes up to there. */
function tokenAt(source: Source, offset: number): Token | undefined {
  try {
    const lexer = new Lexer(source)
    let token = lexer.advance()
    while (token.kind !== TokenKind.EOF && token.start < offset) token = lexer.advance()
    return token.start === offset ? token : undefined
  } catch {
    return undefined
  }
}

function previous(token: Token): Token | null {
  let prev = token.prev
  while (prev !== null && prev.kind === TokenKind.COMMENT) prev = prev.prev
  return prev
}

const OPENERS: Record<string, string> = {
  [TokenKind.BRACE_R]: TokenKind.BRACE_L,
  [TokenKind.PAREN_R]: TokenKind.PAREN_L,
}

function unquote(kind: string): string {
  const m = /^"(.*)"$/.exec(kind)
  return m !== null && PUNCTUATORS.has(m[1] as string) ? (m[1] as string) : kind
}

/** gqlparser's line and column of a token: a string token starts after its opening quotes. */
export function tokenPosition(token: Token): { line: number; column: number } {
  const quotes = token.kind === TokenKind.STRING ? 1 : token.kind === TokenKind.BLOCK_STRING ? 3 : 0
  return { line: token.line, column: token.column + quotes }
}

function message(description: string, token: Token): string {
  const expected = /^Expected (.+), found /.exec(description)?.[1]
  if (expected === undefined) return `Unexpected ${tokenDescription(token)}`
  const opener = OPENERS[token.kind]
  if (opener !== undefined && previous(token)?.kind === opener) {
    return `expected at least one definition, found ${token.kind}`
  }
  const wanted = unquote(expected)
  // expectKeyword quotes the keyword and describes the token in full; expect(kind) names only its kind.
  return wanted === expected && expected.startsWith('"')
    ? `Expected ${expected}, found ${tokenDescription(token)}`
    : `Expected ${wanted}, found ${token.kind}`
}

/** A graphql-js syntax error as gqlparser words and places it. */
export function describeSyntaxError(
  error: GraphQLError,
  source: Source,
): { message: string; line?: number; column?: number } {
  const description = error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')
  const offset = error.positions?.[0]
  const token = offset === undefined ? undefined : tokenAt(source, offset)
  const location = error.locations?.[0]
  if (token === undefined)
    return { message: 'Unexpected <Invalid>', line: location?.line, column: location?.column }
  return { message: message(description, token), ...tokenPosition(token) }
}
