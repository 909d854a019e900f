// Envoy ext_authz over a real gRPC socket on 127.0.0.1: CheckRequests built from Envoy's protos, as Envoy's filter
// sends them, evaluated by a policy written the way OPA's Envoy plugin documentation teaches.
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../../engine/activation/policy-registry.js'
import { buildBundle } from '../../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../../engine/bundle/index.js'
import { createDecider } from '../../../../engine/decision/decider.js'
import { createMetrics } from '../../../../engine/metrics/index.js'
import { createPolicySet } from '../../../../engine/policy/policy-set.js'
import {
  type ExtAuthzServer,
  startExtAuthzServer,
} from '../../../../engine/server/gateways/envoy-ext-authz/index.js'
import { createGatewayMetrics } from '../../../../engine/server/gateways/gateway-metrics.js'
import {
  type EnvoyClient,
  envoyClient,
  httpCheckRequest,
  type Json,
  structJson,
} from '../../../helpers/envoy-client.js'
import { fixtureDir, tempDir } from '../../../helpers/fixtures.js'
import { signHs256 } from '../../../helpers/jwt.js'

const ENTRYPOINTS = ['allow', 'result', 'echo', 'people_path', 'people_query', 'charlie_body']
const now = Math.floor(Date.now() / 1000)
const token = (claims: Json): string =>
  `Bearer ${signHs256({ nbf: now - 60, exp: now + 3600, ...claims }, 'secret')}`
const guest = token({ role: 'guest', sub: Buffer.from('alice').toString('base64url') })
const admin = token({ role: 'admin', sub: Buffer.from('bob').toString('base64url') })

const logLines: Json[] = []
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Json) })

async function start(path: string, options: { dryRun?: boolean } = {}) {
  const output = join(await tempDir(), 'envoy-authz.tar.gz')
  await buildBundle({
    source: fixtureDir('envoy-authz'),
    output,
    revision: 'rev-envoy',
    extraArgs: ['--v0-compatible', ...ENTRYPOINTS.flatMap((rule) => ['-e', `envoy/authz/${rule}`])],
  })
  const registry = createPolicyRegistry()
  registry.activate(await createPolicySet([await loadBundleFromPath('envoy', output)]))
  const metrics = createMetrics({ processMetrics: false })
  const server = await startExtAuthzServer(
    {
      addr: '127.0.0.1:0',
      path,
      dryRun: options.dryRun ?? false,
      maxRequestBytes: 64 * 1024,
      maxHeaderBytes: 8 * 1024,
      json: { maxDepth: 64, maxElements: 10_000 },
      jwtPayloadKey: 'jwt_payload',
    },
    {
      decider: createDecider({ registry }),
      log,
      metrics: createGatewayMetrics(metrics),
      notReady: () => undefined,
    },
  )
  return { server, client: envoyClient(server.addr), metrics }
}

describe('envoy ext_authz at the plugin default path (envoy/authz/allow)', () => {
  let server: ExtAuthzServer
  let client: EnvoyClient
  let metrics: ReturnType<typeof createMetrics>
  beforeAll(async () => {
    ;({ server, client, metrics } = await start('envoy/authz/allow'))
  })
  afterAll(async () => {
    client.close()
    await server.close()
  })

  it('allows a guest with a valid token to GET /people/*, with the decision id in dynamic metadata', async () => {
    const response = await client.check(
      httpCheckRequest({ method: 'GET', path: '/people/alice', headers: { authorization: guest } }),
    )
    expect(response.status).toEqual({ code: 0 })
    expect(response.okResponse).toBeDefined()
    expect(structJson(response.dynamicMetadata).decision_id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('denies a guest POST /people with 403 and PERMISSION_DENIED', async () => {
    const response = await client.check(
      httpCheckRequest({
        method: 'POST',
        path: '/people',
        headers: { authorization: guest, 'content-type': 'application/json' },
        body: '{"firstname":"Charlie","lastname":"Opa"}',
      }),
    )
    expect(response.status).toMatchObject({ code: 7 })
    expect(response.deniedResponse).toMatchObject({ status: { code: 'Forbidden' } })
  })

  it('allows an admin POST whose parsed_body names someone else, denies one that names the admin', async () => {
    const post = (firstname: string) =>
      client.check(
        httpCheckRequest({
          method: 'POST',
          path: '/people',
          headers: { authorization: admin, 'content-type': 'application/json' },
          body: JSON.stringify({ firstname, lastname: 'Opa' }),
        }),
      )
    expect((await post('Charlie')).status).toEqual({ code: 0 })
    expect((await post('Bob')).status).toMatchObject({ code: 7 })
  })

  it("denies the documentation's own sample token, which expired in 2022", async () => {
    const sample =
      'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiZ3Vlc3QiLCJzdWIiOiJZV3hwWTJVPSIsIm5iZiI6MTUxNDg1MTEzOSwiZXhwIjoxNjQxMDgxNTM5fQ.K5DnnbbIOspRbpCr2IKXE9cPVatGOCBrBQobQmBmaeU'
    const response = await client.check(
      httpCheckRequest({ method: 'GET', path: '/people/', headers: { authorization: sample } }),
    )
    expect(response.status).toMatchObject({ code: 7 })
  })

  it('counts allows and denies on the gateway counter', async () => {
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/clearance_gateway_checks_total\{gateway="envoy_ext_authz",result="allow"\} [1-9]/)
    expect(text).toMatch(/clearance_gateway_checks_total\{gateway="envoy_ext_authz",result="deny"\} [1-9]/)
  })
})

describe('envoy ext_authz input: the shape OPA-Envoy builds', () => {
  let server: ExtAuthzServer
  let client: EnvoyClient
  beforeAll(async () => {
    ;({ server, client } = await start('envoy/authz/result'))
  })
  afterAll(async () => {
    client.close()
    await server.close()
  })

  it("answers the primer's object decision: headers, removals, response headers when allowed", async () => {
    const response = await client.check(
      httpCheckRequest({ method: 'GET', path: '/people/alice', headers: { authorization: guest } }),
    )
    expect(response.status).toEqual({ code: 0 })
    const ok = response.okResponse as Json
    const pairs = (list: unknown) =>
      (list as { header: { key: string; value: string } }[]).map(({ header }) => [header.key, header.value])
    expect(pairs(ok.headers)).toEqual(
      expect.arrayContaining([
        ['x-ext-auth-allow', 'yes'],
        ['x-validated-by', 'security-checkpoint'],
      ]),
    )
    expect(ok.headersToRemove).toEqual(['one-auth-header', 'another-auth-header'])
    expect(pairs(ok.responseHeadersToAdd)).toEqual([['x-foo', 'bar']])
  })

  it('answers 401 with its body when the token is missing, 403 when the action is not allowed', async () => {
    const missing = await client.check(httpCheckRequest({ method: 'GET', path: '/people/alice' }))
    expect(missing.status).toMatchObject({ code: 7 })
    expect(missing.deniedResponse).toMatchObject({
      status: { code: 'Unauthorized' },
      body: 'Authentication Failed',
    })
    const forbidden = await client.check(
      httpCheckRequest({ method: 'DELETE', path: '/people/alice', headers: { authorization: guest } }),
    )
    expect(forbidden.deniedResponse).toMatchObject({
      status: { code: 'Forbidden' },
      body: 'Unauthorized Request',
    })
  })
})

describe('envoy ext_authz: the input document', () => {
  let server: ExtAuthzServer
  let client: EnvoyClient
  beforeAll(async () => {
    ;({ server, client } = await start('envoy/authz/echo'))
  })
  afterAll(async () => {
    client.close()
    await server.close()
  })

  it('reads parsed_query as the plugin does: every value of a repeated parameter, in order', async () => {
    const { server: echoServer, client: echoClient } = await start('envoy/authz/people_query')
    try {
      const allowed = await echoClient.check(
        httpCheckRequest({ method: 'GET', path: '/people?lang=en&id=1&id=2' }),
      )
      expect(allowed.status).toEqual({ code: 0 })
      const other = await echoClient.check(httpCheckRequest({ method: 'GET', path: '/people?lang=de' }))
      expect(other.status).toMatchObject({ code: 7 })
    } finally {
      echoClient.close()
      await echoServer.close()
    }
  })

  it('denies when the decision is neither a boolean nor an object with "allowed", and logs why', async () => {
    logLines.length = 0
    const response = await client.check(httpCheckRequest({ method: 'GET', path: '/people' }))
    expect(response.status).toMatchObject({ code: 7 })
    expect(response.deniedResponse).toMatchObject({ status: { code: 'Forbidden' } })
    expect(logLines.some((line) => line.code === 'evaluation_error')).toBe(true)
  })
})

describe('envoy ext_authz: parsed path and body rules', () => {
  it.each([
    ['envoy/authz/people_path', { method: 'GET', path: '/people' }, 0],
    ['envoy/authz/people_path', { method: 'GET', path: '/people/1' }, 7],
    [
      'envoy/authz/charlie_body',
      {
        method: 'POST',
        path: '/people',
        headers: { 'content-type': 'application/json' },
        body: '{"firstname":"Charlie", "lastname":"Opa"}',
      },
      0,
    ],
    [
      'envoy/authz/charlie_body',
      {
        method: 'POST',
        path: '/people',
        // Envoy buffered fewer bytes than content-length says: the body is truncated, not parsed
        headers: { 'content-type': 'application/json', 'content-length': '400' },
        body: '{"firstname":"Charlie", "lastname":"Opa"}',
      },
      7,
    ],
  ])('%s answers %j with gRPC code %i', async (path, http, code) => {
    const { server, client } = await start(path)
    try {
      const response = await client.check(httpCheckRequest(http))
      expect(response.status).toMatchObject({ code })
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('envoy ext_authz: bad input is denied, never crashes', () => {
  let server: ExtAuthzServer
  let client: EnvoyClient
  beforeAll(async () => {
    ;({ server, client } = await start('envoy/authz/allow'))
  })
  afterAll(async () => {
    client.close()
    await server.close()
  })

  const deniedWithLog = async (response: Json, pattern: RegExp) => {
    expect(response.status).toMatchObject({ code: 7 })
    expect(response.deniedResponse).toMatchObject({ status: { code: 'Forbidden' } })
    expect(logLines.some((line) => pattern.test(String(line.msg)))).toBe(true)
  }

  it('denies a truncated protobuf message', async () => {
    logLines.length = 0
    const { checkMethod } = await import('../../../../engine/server/gateways/envoy-ext-authz/index.js')
    const whole = checkMethod().requestSerialize(
      httpCheckRequest({ method: 'GET', path: '/people/alice', headers: { authorization: guest } }),
    )
    await deniedWithLog(await client.checkRaw(whole.subarray(0, whole.length - 7)), /does not decode/)
  })

  it('denies a request without HTTP attributes', async () => {
    logLines.length = 0
    await deniedWithLog(await client.check({ attributes: {} }), /no attributes\.request\.http/)
  })

  it('denies oversized headers', async () => {
    logLines.length = 0
    const response = await client.check(
      httpCheckRequest({
        method: 'GET',
        path: '/people/alice',
        headers: { authorization: guest, 'x-padding': 'a'.repeat(9000) },
      }),
    )
    await deniedWithLog(response, /over the limit/)
  })

  it('denies a message over the size limit', async () => {
    logLines.length = 0
    const response = await client.check(
      httpCheckRequest({ method: 'POST', path: '/people', body: 'x'.repeat(70 * 1024) }),
    )
    await deniedWithLog(response, /over the limit of 65536/)
  })

  it('denies a malformed percent-encoded path', async () => {
    logLines.length = 0
    await deniedWithLog(
      await client.check(httpCheckRequest({ method: 'GET', path: '/people/%E0%A4%A' })),
      /percent-encoded/,
    )
  })
})

describe('envoy ext_authz --envoy-dry-run', () => {
  it('answers OK to a request the policy denies, logging and counting the deny it would have sent', async () => {
    const { server, client, metrics } = await start('envoy/authz/allow', { dryRun: true })
    try {
      logLines.length = 0
      const response = await client.check(httpCheckRequest({ method: 'DELETE', path: '/people/alice' }))
      expect(response.status).toEqual({ code: 0 })
      expect(structJson(response.dynamicMetadata).decision_id).toMatch(/^[0-9a-f-]{36}$/)
      expect(logLines.some((line) => /dry run/.test(String(line.msg)))).toBe(true)
      expect(await metrics.registry.metrics()).toMatch(/result="dry_run_deny"\} 1/)
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('envoy ext_authz: grpc.health.v1', () => {
  it('answers SERVING once bundles are active and NOT_SERVING before', async () => {
    const { loadPackageDefinition, credentials } = await import('@grpc/grpc-js')
    const { loadSync } = await import('@grpc/proto-loader')
    const { protoPath } = await import('grpc-health-check')
    const proto = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (addr: string, creds: unknown) => HealthClient } } }
    }
    interface HealthClient {
      check(
        request: { service: string },
        callback: (error: Error | null, response?: { status: string }) => void,
      ): void
      close(): void
    }
    const registry = createPolicyRegistry()
    let ready = false
    const server = await startExtAuthzServer(
      {
        addr: '127.0.0.1:0',
        path: 'envoy/authz/allow',
        dryRun: false,
        maxRequestBytes: 65536,
        maxHeaderBytes: 8192,
        json: { maxDepth: 64, maxElements: 10_000 },
        jwtPayloadKey: 'jwt_payload',
      },
      {
        decider: createDecider({ registry }),
        log,
        metrics: createGatewayMetrics(undefined),
        notReady: () => (ready ? undefined : 'not yet'),
      },
    )
    const client = new proto.grpc.health.v1.Health(server.addr, credentials.createInsecure())
    const status = (service: string) =>
      new Promise<string | undefined>((resolve, reject) =>
        client.check({ service }, (error, response) =>
          error === null ? resolve(response?.status) : reject(error),
        ),
      )
    try {
      expect(await status('envoy.service.auth.v3.Authorization')).toBe('NOT_SERVING')
      ready = true
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect(await status('')).toBe('SERVING')
      expect(await status('envoy.service.auth.v3.Authorization')).toBe('SERVING')
      // with no bundle at all, a check is still answered: a deny
      const envoy = envoyClient(server.addr)
      expect((await envoy.check(httpCheckRequest({ method: 'GET', path: '/' }))).status).toMatchObject({
        code: 7,
      })
      envoy.close()
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('envoy ext_authz: random bytes', () => {
  it('denies 300 random messages without crashing', async () => {
    const { server, client } = await start('envoy/authz/allow')
    try {
      let seed = 17
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        return seed
      }
      const codes = new Set<number>()
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(Array.from({ length: 1 + (random() % 200) }, () => random() % 256))
        const response = await client.checkRaw(bytes)
        codes.add((response.status as { code: number }).code)
      }
      expect([...codes]).toEqual([7])
      expect(
        (
          await client.check(
            httpCheckRequest({ method: 'GET', path: '/people/alice', headers: { authorization: guest } }),
          )
        ).status,
      ).toEqual({ code: 0 })
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('envoy ext_authz over mutual TLS', () => {
  it('answers an Envoy presenting a client certificate from the CA and refuses one without', async () => {
    const { credentials } = await import('@grpc/grpc-js')
    const { createAuthority, issueLoopbackServer, issueSvid } = await import('../../../helpers/pki.js')
    const ca = await createAuthority('ext-authz-ca')
    const [serverCert, envoyCert] = await Promise.all([
      issueLoopbackServer(ca, 'ext-authz'),
      issueSvid(ca, 'spiffe://shop.example/ns/edge/sa/envoy'),
    ])
    const registry = createPolicyRegistry()
    const server = await startExtAuthzServer(
      {
        addr: '127.0.0.1:0',
        path: 'envoy/authz/allow',
        dryRun: false,
        maxRequestBytes: 65536,
        maxHeaderBytes: 8192,
        json: { maxDepth: 64, maxElements: 10_000 },
        jwtPayloadKey: 'jwt_payload',
        tls: {
          cert: Buffer.from(serverCert.cert),
          key: Buffer.from(serverCert.key),
          ca: Buffer.from(ca.cert),
          requireClientCert: true,
        },
      },
      {
        decider: createDecider({ registry }),
        log,
        metrics: createGatewayMetrics(undefined),
        notReady: () => undefined,
      },
    )
    const withCert = envoyClient(
      server.addr,
      credentials.createSsl(Buffer.from(ca.cert), Buffer.from(envoyCert.key), Buffer.from(envoyCert.cert)),
    )
    const withoutCert = envoyClient(server.addr, credentials.createSsl(Buffer.from(ca.cert)))
    try {
      // no bundle is active: the answer is a deny, but an answer
      expect((await withCert.check(httpCheckRequest({ method: 'GET', path: '/' }))).status).toMatchObject({
        code: 7,
      })
      await expect(withoutCert.check(httpCheckRequest({ method: 'GET', path: '/' }))).rejects.toThrow()
    } finally {
      withCert.close()
      withoutCert.close()
      await server.close()
    }
  })
})
