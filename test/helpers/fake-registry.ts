// An OCI registry in-process, for the cases a real one will not play: authentication challenges (Bearer token
// flow, Basic), TLS with a test CA, and faults (a layer whose bytes do not match its digest, no answer at all).
// It speaks the part of the distribution API a bundle needs: manifests and blobs by GET/HEAD, monolithic uploads.
import { createHash, randomUUID } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

export interface FakeRegistryOptions {
  auth?: { mode: 'basic' | 'bearer'; username: string; password: string } | undefined
  tls?: { cert: string; key: string } | undefined
}

export interface RecordedRequest {
  method: string
  url: string
  authorization: string | undefined
}

export interface FakeRegistry {
  /** 127.0.0.1:<port> */
  host: string
  requests: RecordedRequest[]
  /** Stores a manifest under `tag` with the given content type (any bytes: for wrong-media-type tests). */
  putManifest(repository: string, tag: string, body: Buffer, contentType: string): string
  putBlob(bytes: Buffer): string
  removeTag(repository: string, tag: string): void
  faults: { hang: boolean; corruptBlobs: boolean }
  close(): Promise<void>
}

/** True when a token issued for `granted` (repository:x:pull,push) covers `needed`. */
function grants(granted: string | undefined, needed: string): boolean {
  if (granted === undefined) return false
  const [kind, name, actions = ''] = granted.split(':')
  const [neededKind, neededName, neededActions = ''] = needed.split(':')
  const have = new Set(actions.split(','))
  return (
    kind === neededKind && name === neededName && neededActions.split(',').every((action) => have.has(action))
  )
}

const digestOf = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const manifests = new Map<string, { body: Buffer; contentType: string }>()
  const blobs = new Map<string, Buffer>()
  /** Issued tokens and the scope each was issued for. */
  const tokens = new Map<string, string>()
  const requests: RecordedRequest[] = []
  const faults = { hang: false, corruptBlobs: false }
  const hanging = new Set<ServerResponse>()
  const auth = options.auth
  const basic =
    auth === undefined ? '' : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
  let origin = ''

  const storeManifest = (repository: string, tag: string, body: Buffer, contentType: string): string => {
    const digest = digestOf(body)
    manifests.set(`${repository}:${tag}`, { body, contentType })
    manifests.set(`${repository}:${digest}`, { body, contentType })
    return digest
  }

  const authorized = (request: IncomingMessage, response: ServerResponse, scope: string): boolean => {
    if (auth === undefined) return true
    const header = request.headers.authorization ?? ''
    if (auth.mode === 'basic' && header === basic) return true
    if (auth.mode === 'bearer' && header.startsWith('Bearer ') && grants(tokens.get(header.slice(7)), scope))
      return true
    response.setHeader(
      'www-authenticate',
      auth.mode === 'basic'
        ? 'Basic realm="fake"'
        : `Bearer realm="${origin}/token",service="fake-registry",scope="${scope}"`,
    )
    response
      .writeHead(401, { 'content-type': 'application/json' })
      .end('{"errors":[{"code":"UNAUTHORIZED"}]}')
    return false
  }

  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer): void => {
    const url = new URL(request.url ?? '/', origin)
    requests.push({
      method: request.method ?? '',
      url: url.pathname + url.search,
      authorization: request.headers.authorization,
    })
    if (url.pathname === '/token') {
      if (request.headers.authorization !== basic) {
        response.writeHead(401).end()
        return
      }
      const token = randomUUID()
      tokens.set(token, url.searchParams.get('scope') ?? '')
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token, expires_in: 300 }))
      return
    }
    if (faults.hang) {
      hanging.add(response)
      return
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname)
    const write = request.method === 'POST' || request.method === 'PUT'
    const repository = match?.[1] ?? /^\/v2\/(.+)\/blobs\/uploads\//.exec(url.pathname)?.[1] ?? ''
    if (!authorized(request, response, `repository:${repository}:${write ? 'pull,push' : 'pull'}`)) return
    if (request.method === 'POST' && url.pathname.endsWith('/blobs/uploads/')) {
      response.writeHead(202, { location: `/v2/${repository}/blobs/uploads/${randomUUID()}` }).end()
      return
    }
    if (request.method === 'PUT' && url.pathname.includes('/blobs/uploads/')) {
      const digest = url.searchParams.get('digest') ?? ''
      if (digestOf(body) !== digest) {
        response.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}')
        return
      }
      blobs.set(digest, body)
      response.writeHead(201, { location: `/v2/${repository}/blobs/${digest}` }).end()
      return
    }
    if (match === null) {
      response.writeHead(url.pathname === '/v2/' ? 200 : 404).end()
      return
    }
    const [, , kind, reference] = match
    if (kind === 'manifests' && request.method === 'PUT') {
      const digest = storeManifest(repository, reference!, body, request.headers['content-type'] ?? '')
      response.writeHead(201, { 'docker-content-digest': digest }).end()
      return
    }
    if (kind === 'manifests') {
      const manifest = manifests.get(`${repository}:${reference}`)
      if (manifest === undefined) {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
        return
      }
      response.writeHead(200, {
        'content-type': manifest.contentType,
        'docker-content-digest': digestOf(manifest.body),
      })
      response.end(request.method === 'HEAD' ? undefined : manifest.body)
      return
    }
    const blob = blobs.get(reference!)
    if (blob === undefined) {
      response.writeHead(404).end()
      return
    }
    const served = faults.corruptBlobs
      ? Buffer.concat([blob.subarray(0, blob.length - 1), Buffer.from([blob[blob.length - 1]! ^ 1])])
      : blob
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(served.length),
    })
    response.end(request.method === 'HEAD' ? undefined : served)
  }

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => handle(request, response, Buffer.concat(chunks)))
  }
  const server: Server =
    options.tls === undefined ? createHttpServer(listener) : createHttpsServer(options.tls, listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  origin = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`
  return {
    host: `127.0.0.1:${port}`,
    requests,
    faults,
    putManifest: storeManifest,
    removeTag(repository, tag) {
      manifests.delete(`${repository}:${tag}`)
    },
    putBlob(bytes) {
      const digest = digestOf(bytes)
      blobs.set(digest, bytes)
      return digest
    },
    close: () =>
      new Promise((resolve) => {
        for (const response of hanging) response.destroy()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
