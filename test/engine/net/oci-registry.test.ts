import { afterEach, describe, expect, it } from 'vitest'
import {
  createOciRegistryClient,
  type OciRegistryClient,
  parseChallenge,
  parseOciReference,
  pushBundle,
  sha256Digest,
} from '../../../engine/net/index.js'
import { type FakeRegistry, startFakeRegistry } from '../../helpers/fake-registry.js'
import { createAuthority, issueLoopbackServer } from '../../helpers/pki.js'

const BUNDLE = Buffer.from('not really a bundle, the registry does not care')

describe('OCI registry client', () => {
  let registry: FakeRegistry | undefined
  let client: OciRegistryClient | undefined

  afterEach(async () => {
    client?.close()
    await registry?.close()
    client = undefined
    registry = undefined
  })

  it('parses a Bearer challenge with quoted parameters', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a/b:pull,push' },
    })
  })

  it('follows the bearer token flow with basic credentials at the token service, and reuses the token', async () => {
    registry = await startFakeRegistry({ auth: { mode: 'bearer', username: 'ci', password: 's3cret' } })
    const ref = parseOciReference(`oci://${registry.host}/policies/authz:v1`)
    client = createOciRegistryClient({ username: 'ci', password: 's3cret' })
    const pushed = await pushBundle(client, ref, BUNDLE)
    const tokenRequests = registry.requests.filter((request) => request.url.startsWith('/token'))
    expect(tokenRequests.map((request) => request.url)).toContainEqual(
      expect.stringContaining('scope=repository%3Apolicies%2Fauthz%3Apull%2Cpush'),
    )
    expect(tokenRequests[0]?.authorization).toMatch(/^Basic /)

    const before = registry.requests.filter((request) => request.url.startsWith('/token')).length
    const manifest = await client.getManifest(ref)
    expect(manifest.status).toBe(200)
    expect(manifest.digest).toBe(pushed.digest)
    const layer = await client.getBlob(ref, pushed.layerDigest, 1024)
    expect(layer.equals(BUNDLE)).toBe(true)
    await client.getManifest(ref)
    // one new token for the pull scope, then cached
    expect(registry.requests.filter((request) => request.url.startsWith('/token')).length).toBe(before + 1)
    expect(registry.requests.at(-1)?.authorization).toMatch(/^Bearer /)
  })

  it('answers a Basic challenge with the configured credentials', async () => {
    registry = await startFakeRegistry({ auth: { mode: 'basic', username: 'ci', password: 'pw' } })
    const ref = parseOciReference(`oci://${registry.host}/authz:v1`)
    client = createOciRegistryClient({ username: 'ci', password: 'pw' })
    const pushed = await pushBundle(client, ref, BUNDLE)
    expect((await client.getManifest(ref)).digest).toBe(pushed.digest)
  })

  it('comes back with 401 when the registry wants credentials it was not given', async () => {
    registry = await startFakeRegistry({ auth: { mode: 'basic', username: 'ci', password: 'pw' } })
    client = createOciRegistryClient({})
    expect((await client.getManifest(parseOciReference(`oci://${registry.host}/authz:v1`))).status).toBe(401)
  })

  it('talks TLS to a registry whose certificate chains to the configured CA, and refuses an unknown one', async () => {
    const ca = await createAuthority('registry-ca')
    const cert = await issueLoopbackServer(ca, 'registry')
    registry = await startFakeRegistry({ tls: { cert: cert.cert, key: cert.key } })
    const ref = parseOciReference(`oci://${registry.host}/authz:v1`)
    client = createOciRegistryClient({ credentials: { caCertificate: ca.cert } })
    const pushed = await pushBundle(client, ref, BUNDLE)
    expect((await client.getManifest(ref)).digest).toBe(pushed.digest)

    const untrusting = createOciRegistryClient({ timeoutMs: 2000 })
    try {
      await expect(untrusting.getManifest(ref)).rejects.toThrow(/request failed/)
    } finally {
      untrusting.close()
    }
  })

  it('uses plain HTTP for a loopback registry that does not speak TLS, after one TLS attempt', async () => {
    registry = await startFakeRegistry()
    const ref = parseOciReference(`oci://${registry.host}/authz:v1`)
    client = createOciRegistryClient({})
    await pushBundle(client, ref, BUNDLE)
    const sent = client.requestCount()
    await client.getManifest(ref)
    expect(client.requestCount()).toBe(sent + 1)
  })

  it('refuses a layer whose bytes do not hash to its digest', async () => {
    registry = await startFakeRegistry()
    const ref = parseOciReference(`oci://${registry.host}/authz:v1`)
    client = createOciRegistryClient({})
    const digest = registry.putBlob(BUNDLE)
    registry.faults.corruptBlobs = true
    await expect(client.getBlob(ref, digest, 1024)).rejects.toThrow(/digest mismatch/)
    expect(sha256Digest(BUNDLE)).toBe(digest)
  })

  it('refuses a layer larger than the limit before reading it', async () => {
    registry = await startFakeRegistry()
    const ref = parseOciReference(`oci://${registry.host}/authz:v1`)
    client = createOciRegistryClient({})
    const digest = registry.putBlob(BUNDLE)
    await expect(client.getBlob(ref, digest, 10)).rejects.toThrow(/over the 10-byte limit/)
  })

  it('gives up on a registry that does not answer within the timeout', async () => {
    registry = await startFakeRegistry()
    registry.faults.hang = true
    client = createOciRegistryClient({ timeoutMs: 300 })
    const started = Date.now()
    await expect(client.getManifest(parseOciReference(`oci://${registry.host}/authz:v1`))).rejects.toThrow(
      /no answer within 300 ms/,
    )
    expect(Date.now() - started).toBeLessThan(3000)
  })
})
