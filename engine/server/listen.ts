// Puts the app on a socket: plain HTTP or HTTPS (optionally asking for client certificates, which the
// authentication middleware then judges), with header, request and keep-alive timeouts so slow or stalled
// clients cannot hold connections forever.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { DEFAULTS } from '../config/defaults.js'
import { answerClientErrors } from './client-errors.js'
import { createFastConnections, type FastConnections } from './fast-connections.js'
import type { LeanAnswer, LeanRoute } from './lean-data-route.js'

export interface TlsFiles {
  cert: Buffer
  key: Buffer
  /** CA that client certificates must chain to; when set, clients are asked for one. */
  ca?: Buffer | undefined
}

export interface ListenOptions {
  host: string
  port: number
  tls?: TlsFiles | undefined
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  /** Largest request line plus headers; default DEFAULTS.maxHeaderBytes (Go's 1 MiB, as OPA). */
  maxHeaderBytes?: number
}

/** The lean route's answer for requests read straight from plain-HTTP sockets (fast-connections.ts). */
export interface FastAnswers {
  answer: LeanAnswer
  maxBodyBytes: number
}

export interface Listening {
  url: string
  close(): Promise<void>
}

/**
 * How often Node looks for connections past their header or request deadline. Its default, 30 s, is added to
 * either deadline (a 10 s header timeout closed slow-header connections after ~35 s); a tenth of the shorter
 * deadline, within 50 ms..1 s, keeps the documented limits to within a second.
 */
export function connectionsCheckingInterval(headersTimeoutMs: number, requestTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 10)))
}

/**
 * Serves `app`; a `lean` route in front of it answers the requests it takes (the data API's POST) straight from
 * the Node request, and hands every other request to hono. With `fast` (plain HTTP only), connections start out
 * read straight from the socket, and go to Node's HTTP server at the first request that one does not take.
 */
export async function listen(
  app: Hono,
  options: ListenOptions,
  lean?: LeanRoute,
  fast?: FastAnswers,
): Promise<Listening> {
  const timeouts = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(
      options.headersTimeoutMs,
      options.requestTimeoutMs,
    ),
    maxHeaderSize: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
  }
  const viaHono = getRequestListener(app.fetch)
  const listener =
    lean === undefined
      ? viaHono
      : (req: IncomingMessage, res: ServerResponse) => {
          if (!lean(req, res)) void viaHono(req, res)
        }
  const tls = options.tls
  const server =
    tls === undefined
      ? createHttpServer(timeouts, listener)
      : createHttpsServer(
          {
            ...timeouts,
            cert: tls.cert,
            key: tls.key,
            ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: false }),
          },
          listener,
        )
  const fastConnections =
    tls === undefined && fast !== undefined ? takeConnections(server, options, fast) : undefined
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  answerClientErrors(server)
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        fastConnections?.closeAll()
      }),
  }
}

/**
 * Puts fast-connections.ts in front of Node's own connection handling: the HTTP server's 'connection' listener
 * (which starts Node's parser on the socket) is kept and called only for a connection handed over.
 */
function takeConnections(
  server: ReturnType<typeof createHttpServer>,
  options: ListenOptions,
  fast: FastAnswers,
): FastConnections {
  const nodeListeners = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  const connections = createFastConnections({
    ...fast,
    headersTimeoutMs: options.headersTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
    handOver: (socket) => {
      for (const listener of nodeListeners) listener.call(server, socket)
    },
  })
  server.on('connection', connections.accept)
  return connections
}
