// Who may ask for decisions. Bearer tokens are compared in constant time (digests of equal length, so neither
// content nor length leaks); client certificates are checked against the configured CA by the TLS layer, and
// a connection whose certificate failed (expired, another CA, none) is refused here with 401 rather than at the
// handshake, so the refusal is an OPA error body and is counted.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { LIVENESS_PATH } from '../probe-paths.js'

export type AuthenticationMode = 'off' | 'token' | 'tls'

export interface AuthenticationOptions {
  mode: AuthenticationMode
  /** Accepted bearer tokens (mode "token"). */
  tokens?: readonly string[]
  /** Called with the reason of every refusal, for metrics. */
  onRefused?: (reason: string) => void
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

function refuse(reason: string, message: string, onRefused?: (reason: string) => void): never {
  onRefused?.(reason)
  throw new ClearanceError(ErrorCodes.unauthorized, message)
}

/** Paths every orchestrator probes without credentials. */
const OPEN_PATHS = new Set([LIVENESS_PATH])

/** Throws ClearanceError(unauthorized) unless the request may call; `authorization` is its header. */
export type RequestAuthenticator = (authorization: string | undefined, socket: TLSSocket | undefined) => void

/** The check of one request, shared by the middleware below and the lean data route; undefined when off. */
export function createAuthenticator(options: AuthenticationOptions): RequestAuthenticator | undefined {
  if (options.mode === 'off') return undefined
  const tokens = (options.tokens ?? []).map(digest)
  if (options.mode === 'token' && tokens.length === 0) {
    throw new ClearanceError(ErrorCodes.configError, 'token authentication needs at least one token')
  }
  if (options.mode === 'token') {
    return (header) => {
      const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
      if (match === null) refuse('missing_token', 'missing bearer token', options.onRefused)
      const presented = digest(match[1]!)
      let accepted = false
      for (const token of tokens) accepted = timingSafeEqual(presented, token) || accepted
      if (!accepted) refuse('wrong_token', 'bearer token is not valid', options.onRefused)
    }
  }
  return (_header, socket) => {
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
    const socket = (c.env as { incoming?: { socket?: TLSSocket } } | undefined)?.incoming?.socket
    check(c.req.header('authorization'), socket)
    return next()
  }
}
