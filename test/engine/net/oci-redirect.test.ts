import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createOciRegistryClient, parseOciReference, sha256Digest } from '../../../engine/net/index.js'

const LAYER = Buffer.from('bundle bytes kept in object storage')

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

describe('OCI layer redirects', () => {
  const servers: Server[] = []
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve))
  })

  it('follows a layer redirect to storage on another origin without sending the registry credentials there', async () => {
    const storageAuthorization: Array<string | undefined> = []
    const storage = createServer((request, response) => {
      storageAuthorization.push(request.headers.authorization)
      response.writeHead(200, { 'content-length': String(LAYER.length) }).end(LAYER)
    })
    servers.push(storage)
    const storagePort = await listen(storage)
    const registryAuthorization: Array<string | undefined> = []
    const registry = createServer((request, response) => {
      registryAuthorization.push(request.headers.authorization)
      // another port is another origin, as a CDN is to the registry
      response.writeHead(307, { location: `http://127.0.0.1:${storagePort}/blob?signature=abc` }).end()
    })
    servers.push(registry)
    const registryPort = await listen(registry)

    const client = createOciRegistryClient({ credentials: { bearerToken: 'pull-token' }, plainHttp: true })
    try {
      const ref = parseOciReference(`oci://127.0.0.1:${registryPort}/policies/authz:v1`)
      const bytes = await client.getBlob(ref, sha256Digest(LAYER), 1024)
      expect(bytes.equals(LAYER)).toBe(true)
    } finally {
      client.close()
    }
    expect(registryAuthorization).toEqual(['Bearer pull-token'])
    expect(storageAuthorization).toEqual([undefined])
  })
})
