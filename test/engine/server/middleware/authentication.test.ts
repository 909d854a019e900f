// API authentication through real sockets on 127.0.0.1: bearer tokens and client certificates.
import { writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../../engine/main.js'
import { silentLog } from '../../../helpers/app.js'
import { buildFixture } from '../../../helpers/fixtures.js'
import {
  type Authority,
  type Credential,
  createAuthority,
  issueLoopbackServer,
  issueSvid,
} from '../../../helpers/pki.js'

const BODY = '{"input":{"user":"alice"}}'

describe('bearer token authentication', () => {
  let server: RunningServer

  beforeAll(async () => {
    const bundle = await buildFixture('basic')
    const tokenFile = join(await import('node:os').then((os) => os.tmpdir()), `tokens-${process.pid}`)
    await writeFile(
      tokenFile,
      '# one token per line\nfirst-secret-token\nsecond-secret-token\nreader-token read\n',
    )
    server = await startServer(
      serveConfigFromOptions({ bundle: [bundle], addr: '127.0.0.1:0', authentication: 'token', tokenFile }),
      silentLog,
    )
  })

  afterAll(async () => {
    await server.close()
  })

  const call = (headers: Record<string, string>) =>
    fetch(`${server.url}/v1/data/example/authz/allow`, { method: 'POST', body: BODY, headers })

  it('refuses a request without a token with 401 in OPA error shape', async () => {
    const res = await call({})
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ code: 'unauthorized', message: 'missing bearer token' })
  })

  it('refuses a wrong token, including a prefix of a right one', async () => {
    for (const token of ['wrong', 'first-secret-toke', 'first-secret-token-and-more']) {
      const res = await call({ authorization: `Bearer ${token}` })
      expect(res.status).toBe(401)
      expect((await res.json()).code).toBe('unauthorized')
    }
  })

  it('accepts every configured token', async () => {
    for (const token of ['first-secret-token', 'second-secret-token']) {
      const res = await call({ authorization: `Bearer ${token}` })
      expect(res.status).toBe(200)
      expect((await res.json()).result).toBe(true)
    }
  })

  it('leaves the liveness probe open', async () => {
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200)
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(401)
  })
  it('holds a token to the scopes its line gives: read reaches status, not decisions', async () => {
    const reader = { authorization: 'Bearer reader-token' }
    const refused = await call(reader)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({
      code: 'forbidden',
      message: 'bearer token is not allowed the "decide" scope',
    })
    expect((await fetch(`${server.url}/v1/status`, { headers: reader })).status).toBe(200)
  })
})

describe('client certificate authentication', () => {
  let server: RunningServer
  let ca: Authority
  let client: Credential
  let otherCaClient: Credential
  let expiredClient: Credential

  beforeAll(async () => {
    ca = await createAuthority('ca')
    const serverCert = await issueLoopbackServer(ca)
    client = await issueSvid(ca, 'spiffe://shop.example/ns/prod/sa/orders')
    const otherCa = await createAuthority('other-ca')
    otherCaClient = await otherCa.issue('stranger', { extendedKeyUsage: 'clientAuth' })
    expiredClient = await ca.issue('expired', { extendedKeyUsage: 'clientAuth', expired: true })
    const bundle = await buildFixture('basic')
    server = await startServer(
      serveConfigFromOptions({
        bundle: [bundle],
        addr: '127.0.0.1:0',
        authentication: 'tls',
        tlsCertFile: serverCert.certFile,
        tlsPrivateKeyFile: serverCert.keyFile,
        tlsCaCertFile: ca.certFile,
      }),
      silentLog,
    )
  })

  afterAll(async () => {
    await server.close()
  })

  function call(client?: Credential): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL(`${server.url}/v1/data/example/authz/allow`)
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          ca: ca.cert,
          ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
        },
      )
      req.on('error', reject)
      req.end(BODY)
    })
  }

  it('serves HTTPS on the loopback address', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
  })

  it('accepts a client certificate from the configured CA', async () => {
    const { status, body } = await call(client)
    expect(status).toBe(200)
    expect(body.result).toBe(true)
  })

  it('refuses no certificate, another CA and an expired certificate with 401', async () => {
    for (const client of [undefined, otherCaClient, expiredClient]) {
      const { status, body } = await call(client)
      expect(status).toBe(401)
      expect(body.code).toBe('unauthorized')
    }
  })

  it('names why an expired certificate was refused', async () => {
    const { body } = await call(expiredClient)
    expect(String(body.message)).toContain('CERT_HAS_EXPIRED')
  })
})
