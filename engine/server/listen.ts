// Puts the app on a socket: plain HTTP or HTTPS (optionally asking for client certificates, which the
// authentication middleware then judges), with header, request and keep-alive timeouts so slow or stalled
// clients cannot hold connections forever.
import type { Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import { DEFAULTS } from '../config/defaults.js'
import { answerClientErrors } from './client-errors.js'

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

export interface Listening {
  url: string
  close(): Promise<void>
}

export async function listen(app: Hono, options: ListenOptions): Promise<Listening> {
  const timeouts = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    maxHeaderSize: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
  }
  const tls = options.tls
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      {
        fetch: app.fetch,
        hostname: options.host,
        port: options.port,
        ...(tls === undefined
          ? { serverOptions: timeouts }
          : {
              createServer: createHttpsServer,
              serverOptions: {
                ...timeouts,
                cert: tls.cert,
                key: tls.key,
                ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: false }),
              },
            }),
      },
      () => resolve(started),
    )
    started.once('error', reject)
  })
  answerClientErrors(server as unknown as Server)
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
