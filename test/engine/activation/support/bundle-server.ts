// A bundle server on 127.0.0.1 (port 0) speaking OPA's bundle protocol: ETag on every 200, 304 for a matching
// If-None-Match; its bundle, status and credentials can be changed between polls, and it records every request.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface BundleServer {
  url: string
  /** Headers of every request received, oldest first. */
  requests: IncomingMessage['headers'][]
  serve(bundle: Uint8Array, etag: string): void
  /** Answer every request with this status (and no body); undefined: serve the bundle. */
  fail(status: number | undefined): void
  /** Require `Authorization: <value>`. */
  requireAuthorization(value: string | undefined): void
  /** Never answer (to test timeouts). */
  hang(on: boolean): void
  close(): Promise<void>
}

export async function startBundleServer(tls?: ServerOptions): Promise<BundleServer> {
  let bundle: Uint8Array = new Uint8Array()
  let etag = ''
  let failure: number | undefined
  let authorization: string | undefined
  let hanging = false
  const requests: IncomingMessage['headers'][] = []
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(req.headers)
    if (hanging) return
    if (authorization !== undefined && req.headers.authorization !== authorization) {
      res.writeHead(401).end()
      return
    }
    if (failure !== undefined) {
      res.writeHead(failure).end()
      return
    }
    if (etag !== '' && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end()
      return
    }
    res.writeHead(200, { etag, 'content-type': 'application/gzip', 'content-length': bundle.byteLength })
    res.end(bundle)
  }
  const server: Server = tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/bundles/reload.tar.gz`,
    requests,
    serve(next, nextEtag) {
      bundle = next
      etag = nextEtag
    },
    fail: (status) => {
      failure = status
    },
    requireAuthorization: (value) => {
      authorization = value
    },
    hang: (on) => {
      hanging = on
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
