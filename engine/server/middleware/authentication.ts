// Who may ask for decisions. Bearer tokens are compared in constant time (digests of equal length, so neither
// content nor length leaks); client certificates are checked against the configured CA by the TLS layer, and
// a connection whose certificate failed (expired, another CA, none) is refused here with 401 rather than at the
// handshake, so the refusal is an OPA error body and is counted.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { Context, MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'

export type AuthenticationMode = 'off' | 'token' | 'tls'

export interface AuthenticationOptions {
  mode: AuthenticationMode
  /** Accepted bearer tokens (mode "token"). */
  tokens?: readonly string[]
  /** Called with the reason of every refusal, for metrics. */
  onRefused?: (reason: string) => void
  /** Requests let in without a bearer token (the service map's session cookie, on the page's own requests). */
  vouched?: ((c: Context) => boolean) | undefined
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

function refuse(reason: string, message: string, onRefused?: (reason: string) => void): never {
  onRefused?.(reason)
  throw new ClearanceError(ErrorCodes.unauthorized, message)
}

/** Paths every orchestrator probes without credentials. */
const OPEN_PATHS = new Set(['/health/live'])

export function authentication(options: AuthenticationOptions): MiddlewareHandler {
  if (options.mode === 'off') return async (_c, next) => next()
  const tokens = (options.tokens ?? []).map(digest)
  if (options.mode === 'token' && tokens.length === 0) {
    throw new ClearanceError(ErrorCodes.configError, 'token authentication needs at least one token')
  }
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next()
    if (options.mode === 'token') {
      if (options.vouched?.(c) === true) return next()
      const header = c.req.header('authorization')
      const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match === null) refuse('missing_token', 'missing bearer token', options.onRefused)
      const presented = digest(match[1]!)
      let accepted = false
      for (const token of tokens) accepted = timingSafeEqual(presented, token) || accepted
      if (!accepted) refuse('wrong_token', 'bearer token is not valid', options.onRefused)
    } else {
      const socket = (c.env as { incoming?: { socket?: TLSSocket } } | undefined)?.incoming?.socket
      if (socket?.authorized !== true) {
        const why =
          socket?.authorizationError === undefined
            ? 'no client certificate'
            : String(socket.authorizationError)
        refuse('client_certificate', `client certificate refused: ${why}`, options.onRefused)
      }
    }
    return next()
  }
}
