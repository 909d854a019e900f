// Who may ask for decisions. Bearer tokens are compared in constant time (digests of equal length, so neither
// content nor length leaks); client certificates are checked against the configured CA by the TLS layer, and
// a connection whose certificate failed (expired, another CA, none) is refused here with 401 rather than at the
// handshake, so the refusal is an OPA error body and is counted. A token may be held to scopes
// (token-scopes.ts): outside them the answer is 403.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { Context, MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { LIVENESS_PATH } from '../probe-paths.js'
import { allows, type ScopedToken, scopeOf } from './token-scopes.js'

export type AuthenticationMode = 'off' | 'token' | 'tls'

export interface AuthenticationOptions {
  mode: AuthenticationMode
  /** Accepted bearer tokens (mode "token"); a plain string may call every route. */
  tokens?: readonly (string | ScopedToken)[]
  /** Called with the reason of every refusal, for metrics. */
  onRefused?: (reason: string) => void
  /** Requests let in without a bearer token (the service map's session cookie, on the page's own requests). */
  vouched?: ((c: Context) => boolean) | undefined
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

function refuse(
  reason: string,
  message: string,
  onRefused?: (reason: string) => void,
  code: typeof ErrorCodes.unauthorized | typeof ErrorCodes.forbidden = ErrorCodes.unauthorized,
): never {
  onRefused?.(reason)
  throw new ClearanceError(code, message)
}

/** Paths every orchestrator probes without credentials. */
const OPEN_PATHS = new Set([LIVENESS_PATH])

/** The parts of a request the check reads. */
export interface AuthenticatedRequest {
  /** The Authorization header. */
  authorization: string | undefined
  socket: TLSSocket | undefined
  method: string
  path: string
}

/** Throws ClearanceError(unauthorized or forbidden) unless the request may call. */
export type RequestAuthenticator = (request: AuthenticatedRequest) => void

/** The check of one request, shared by the middleware below and the lean data route; undefined when off. */
export function createAuthenticator(options: AuthenticationOptions): RequestAuthenticator | undefined {
  if (options.mode === 'off') return undefined
  const tokens = (options.tokens ?? []).map((entry) =>
    typeof entry === 'string'
      ? { digest: digest(entry), scopes: undefined }
      : { digest: digest(entry.token), scopes: entry.scopes },
  )
  if (options.mode === 'token' && tokens.length === 0) {
    throw new ClearanceError(ErrorCodes.configError, 'token authentication needs at least one token')
  }
  if (options.mode === 'token') {
    return ({ authorization, method, path }) => {
      const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      if (match === null) refuse('missing_token', 'missing bearer token', options.onRefused)
      const presented = digest(match[1]!)
      // Every token is compared, matched or not, so the time taken tells nothing of which one matched.
      let accepted: (typeof tokens)[number] | undefined
      for (const token of tokens) if (timingSafeEqual(presented, token.digest)) accepted = token
      if (accepted === undefined) refuse('wrong_token', 'bearer token is not valid', options.onRefused)
      // A token without scopes may call every route: no need to work out what this one needs.
      if (accepted.scopes === undefined) return
      const needed = scopeOf(method, path)
      if (!allows(accepted.scopes, needed)) {
        refuse(
          'scope',
          `bearer token is not allowed the "${needed}" scope`,
          options.onRefused,
          ErrorCodes.forbidden,
        )
      }
    }
  }
  return ({ socket }) => {
    if (socket?.authorized !== true) {
      const why =
        socket?.authorizationError === undefined ? 'no client certificate' : String(socket.authorizationError)
      refuse('client_certificate', `client certificate refused: ${why}`, options.onRefused)
    }
  }
}

export function authentication(
  options: AuthenticationOptions,
  check: RequestAuthenticator | undefined = createAuthenticator(options),
): MiddlewareHandler {
  if (check === undefined) return async (_c, next) => next()
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next()
    // The service map's session cookie, on the page's own requests (token mode; ui/ui-session.ts).
    if (options.mode === 'token' && options.vouched?.(c) === true) return next()
    const socket = (c.env as { incoming?: { socket?: TLSSocket } } | undefined)?.incoming?.socket
    check({ authorization: c.req.header('authorization'), socket, method: c.req.method, path: c.req.path })
    return next()
  }
}
