// What a bearer token may do. A line of the token file is a token, optionally followed by its scopes:
//   <token>                       every route (as before scopes existed)
//   <token> decide                decisions: the Data API, batch, /v1/check, /v1/query, the AuthZEN and gateway routes
//   <token> read                  reading the server: health, status, metrics, config, policies, the service map page
//   <token> decide,read           both
//   <token> admin                 every route, the write methods (PUT, PATCH, DELETE) included
// A token outside a route's scope is refused with 403 forbidden. Blank lines and lines starting with # are skipped.
import { ClearanceError, ErrorCodes } from '../../errors.js'

export const TOKEN_SCOPES = ['decide', 'read', 'admin'] as const
export type TokenScope = (typeof TOKEN_SCOPES)[number]

export interface ScopedToken {
  token: string
  /** Undefined: every route. */
  scopes: ReadonlySet<TokenScope> | undefined
}

const READ_PATHS = new Set([
  '/health',
  '/v1/status',
  '/metrics',
  '/v1/config',
  '/v1/policies',
  '/ui',
  '/v1/shadow/divergences',
  '/.well-known/authzen-configuration',
])
const READ_PREFIXES = ['/health/', '/v1/policies/', '/ui/']
const WRITE_METHODS = new Set(['PUT', 'PATCH', 'DELETE'])

/** The scope a request needs. */
export function scopeOf(method: string, path: string): TokenScope {
  if (WRITE_METHODS.has(method)) return 'admin'
  const reads = READ_PATHS.has(path) || READ_PREFIXES.some((prefix) => path.startsWith(prefix))
  return reads && (method === 'GET' || method === 'HEAD') ? 'read' : 'decide'
}

/** Whether a token of `scopes` may make a request that needs `needed`. */
export function allows(scopes: ReadonlySet<TokenScope> | undefined, needed: TokenScope): boolean {
  return scopes === undefined || scopes.has('admin') || scopes.has(needed)
}

/** The tokens of a token file; throws ClearanceError(config_error) naming the line of an unknown scope. */
export function parseTokenFile(text: string): ScopedToken[] {
  const tokens: ScopedToken[] = []
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const [token, scopeList, ...rest] = line.split(/\s+/)
    if (rest.length > 0 || scopeList === '') {
      throw new ClearanceError(
        ErrorCodes.configError,
        `--token-file line ${index + 1}: expected "<token>" or "<token> <scope>[,<scope>…]"`,
      )
    }
    if (scopeList === undefined) {
      tokens.push({ token: token!, scopes: undefined })
      return
    }
    const scopes = new Set<TokenScope>()
    for (const scope of scopeList.split(',')) {
      if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
        throw new ClearanceError(
          ErrorCodes.configError,
          `--token-file line ${index + 1}: unknown scope "${scope}" (scopes: ${TOKEN_SCOPES.join(', ')})`,
        )
      }
      scopes.add(scope as TokenScope)
    }
    tokens.push({ token: token!, scopes })
  })
  return tokens
}
