// End to end at the edge: real nginx (auth_request) and real Caddy (forward_auth), configured from the examples in
// docs/gateways/, in front of an upstream that records what reaches it, with `clearance serve`'s own wiring
// (config → main → forward-auth, ext_authz) deciding with the shop's policy library. Allowed requests reach the
// upstream with the decision id and obligations; denied ones get 401/403 and never reach it; with Clearance
// stopped both gateways fail closed. Needs the nginx and caddy Debian packages.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../../engine/main.js'
import { envoyClient, httpCheckRequest, type Json, structJson } from '../../../helpers/envoy-client.js'
import { tempDir } from '../../../helpers/fixtures.js'
import { createIssuer, type IssuerKeys } from '../../../helpers/gateway-app.js'
import { type Authority, type Credential, createAuthority, issueSvid } from '../../../helpers/pki.js'
import { buildPolicyBundle } from '../../../helpers/policy-bundle.js'
import {
  countingUpstream,
  httpsRequest,
  type RunningGateway,
  startCaddy,
  startNginx,
} from '../../../helpers/real-gateways.js'

describe('nginx and Caddy in front of the shop, enforcing with Clearance', () => {
  let clearance: RunningServer | undefined
  let envoyAddr: string
  let upstream: Awaited<ReturnType<typeof countingUpstream>>
  let nginx: RunningGateway
  let caddy: RunningGateway
  let ca: Authority
  let web: Credential
  let issuer: IssuerKeys
  const logLines: Json[] = []
  let decisionLog: string
  const loggedEvent = async (decisionId: string): Promise<Json | undefined> => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const text = await readFile(decisionLog, 'utf8').catch(() => '')
      const event = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Json)
        .find((e) => e.decision_id === decisionId)
      if (event !== undefined || Date.now() > deadline) return event
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  beforeAll(async () => {
    const [bundle, authority, keys] = await Promise.all([
      buildPolicyBundle(),
      createAuthority('edge-ca'),
      createIssuer('edge'),
    ])
    ca = authority
    issuer = keys
    const [server, svid] = await Promise.all([
      ca.issue('shop', {
        subjectAltNames: ['DNS:shop.example', 'DNS:admin.shop.example', 'IP:127.0.0.1'],
        extendedKeyUsage: 'serverAuth',
      }),
      issueSvid(ca, 'spiffe://shop.example/ns/prod/sa/web'),
    ])
    web = svid
    decisionLog = join(await tempDir(), `gateway-decisions-${process.pid}.jsonl`)
    const config = serveConfigFromOptions({
      bundle: [bundle],
      decisionLogFile: decisionLog,
      addr: '127.0.0.1:0',
      watch: false,
      forwardAuth: true,
      trustedProxy: ['127.0.0.1'],
      clientCertHeader: 'X-Client-Cert',
      jwksFile: issuer.jwksFile,
      jwtIssuer: 'https://id.shop.example',
      jwtAudience: 'shop',
      envoyGrpcAddr: '127.0.0.1:0',
      envoyDecision: 'clearance/gateway/envoy',
    })
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) })
    clearance = await startServer(config, log)
    envoyAddr = String(logLines.find((line) => line.msg === 'envoy ext_authz listening')?.addr)
    upstream = await countingUpstream()
    const files = {
      clearanceAddr: clearance.url.replace(/^http:\/\//, ''),
      upstreamAddr: upstream.addr,
      certFile: server.certFile,
      keyFile: server.keyFile,
      clientCaFile: ca.certFile,
    }
    ;[nginx, caddy] = await Promise.all([startNginx(files), startCaddy(files)])
  }, 60_000)

  afterAll(async () => {
    await Promise.all([nginx?.stop(), caddy?.stop()])
    await clearance?.close()
    await upstream?.close()
  })

  const carol = () => `Bearer ${issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })}`
  const through = (
    gateway: () => RunningGateway,
    request: Parameters<typeof httpsRequest>[1] extends infer O ? Omit<O & object, 'ca'> : never,
  ) => httpsRequest(gateway().port, { ...request, ca: ca.cert })

  describe.each([
    ['nginx', () => nginx],
    ['caddy', () => caddy],
  ])('%s', (_name, gateway) => {
    it('lets an anonymous visitor browse products, passing decision id and obligations upstream', async () => {
      const before = upstream.reached.length
      const res = await through(gateway, { host: 'shop.example', path: '/products?page=2' })
      expect(res.status).toBe(200)
      expect(res.body).toBe('upstream')
      expect(upstream.reached.length).toBe(before + 1)
      const seen = upstream.reached.at(-1)!
      expect(seen.url).toBe('/products?page=2')
      expect(seen.headers['x-clearance-decision-id']).toMatch(/^[0-9a-f-]{36}$/)
      expect(JSON.parse(String(seen.headers['x-clearance-obligations']))).toEqual([
        { type: 'rate_limit', class: 'internet_anonymous' },
      ])
    })

    it('lets a signed-in customer check out with the obligations of the scenario', async () => {
      const res = await through(gateway, {
        host: 'shop.example',
        path: '/checkout',
        method: 'POST',
        headers: { authorization: carol() },
      })
      expect(res.status).toBe(200)
      const types = JSON.parse(String(upstream.reached.at(-1)!.headers['x-clearance-obligations'])).map(
        (o: { type: string }) => o.type,
      )
      expect(types).toEqual(['audit', 'rate_limit', 'restrict_to_owner'])
    })

    it('answers 401 to an anonymous checkout and never reaches the upstream', async () => {
      const before = upstream.reached.length
      const res = await through(gateway, { host: 'shop.example', path: '/checkout', method: 'POST' })
      expect(res.status).toBe(401)
      expect(upstream.reached.length).toBe(before)
    })

    it('answers 403 to a customer at the admin console and never reaches the upstream', async () => {
      const before = upstream.reached.length
      const res = await through(gateway, {
        host: 'admin.shop.example',
        path: '/',
        headers: { authorization: carol() },
      })
      expect(res.status).toBe(403)
      expect(upstream.reached.length).toBe(before)
    })

    it('does not believe identity or request headers a client forges', async () => {
      const before = upstream.reached.length
      const forgedCert = await through(gateway, {
        host: 'shop.example',
        path: '/orders',
        method: 'POST',
        headers: {
          'x-client-cert': encodeURIComponent(web.cert),
          'x-forwarded-client-cert': 'URI=spiffe://shop.example/ns/prod/sa/web',
          'x-forwarded-for': '10.1.4.17',
        },
      })
      expect(forgedCert.status).toBe(401)
      const forgedRequest = await through(gateway, {
        host: 'shop.example',
        path: '/checkout',
        method: 'POST',
        headers: {
          'x-forwarded-uri': '/products',
          'x-forwarded-method': 'GET',
          'x-original-uri': '/products',
          'x-original-method': 'GET',
          'x-forwarded-host': 'shop.example',
        },
      })
      expect(forgedRequest.status).toBe(401)
      expect(upstream.reached.length).toBe(before)
    })

    it('answers 401 to a forged token and never reaches the upstream', async () => {
      const before = upstream.reached.length
      const forged = `${carol().slice(0, -10)}AAAAAAAAAA`
      const res = await through(gateway, {
        host: 'shop.example',
        path: '/products',
        headers: { authorization: forged },
      })
      expect(res.status).toBe(401)
      expect(upstream.reached.length).toBe(before)
    })
  })

  it('nginx: a service presenting its SVID creates an order under its grant', async () => {
    const res = await through(() => nginx, {
      host: 'shop.example',
      path: '/orders',
      method: 'POST',
      cert: web.cert,
      key: web.key,
      // the grant is for checkout: a purpose binds the grant that states one
      headers: { 'x-clearance-purpose': 'checkout' },
    })
    expect(res.status).toBe(200)
    expect(JSON.parse(String(upstream.reached.at(-1)!.headers['x-clearance-obligations']))).toEqual([
      { type: 'audit' },
    ])
  })

  it('envoy ext_authz with clearance/gateway/envoy: the same decision for the edge request Envoy sends', async () => {
    const client = envoyClient(envoyAddr)
    try {
      const edge = (metadata?: Json) =>
        httpCheckRequest({
          method: 'POST',
          path: '/checkout',
          host: 'shop.example',
          sourceAddress: '203.0.113.7',
          ...(metadata === undefined ? {} : { metadata }),
        })
      const jwtAuthn = {
        filterMetadata: {
          'envoy.filters.http.jwt_authn': {
            fields: {
              jwt_payload: {
                structValue: {
                  fields: {
                    sub: { stringValue: 'carol@example.net' },
                    roles: { listValue: { values: [{ stringValue: 'customer' }] } },
                  },
                },
              },
            },
          },
        },
      }
      const allowed = await client.check(edge(jwtAuthn))
      expect(allowed.status).toEqual({ code: 0 })
      const headers = (allowed.okResponse as { headers: { header: { key: string; value: string } }[] })
        .headers
      const obligations = JSON.parse(
        headers.find(({ header }) => header.key === 'x-clearance-obligations')!.header.value,
      )
      expect(obligations.map((o: { type: string }) => o.type)).toEqual([
        'audit',
        'rate_limit',
        'restrict_to_owner',
      ])
      const decisionId = String(structJson(allowed.dynamicMetadata).decision_id)
      const event = await loggedEvent(decisionId)
      expect(event).toMatchObject({
        path: 'clearance/gateway/envoy',
        result: { allowed: true },
        input: { attributes: { request: { http: { path: '/checkout' } } } },
      })
      expect(String(event?.requested_by)).toMatch(/^127\.0\.0\.1:\d+$/)
      const anonymous = await client.check(edge())
      expect(anonymous.deniedResponse).toMatchObject({ status: { code: 'Unauthorized' } })
    } finally {
      client.close()
    }
  })

  it('logs forward-auth decisions and counts every face in /metrics', async () => {
    const res = await through(() => nginx, { host: 'shop.example', path: '/products' })
    expect(res.status).toBe(200)
    const decisionId = String(upstream.reached.at(-1)!.headers['x-clearance-decision-id'])
    expect(await loggedEvent(decisionId)).toMatchObject({
      path: 'clearance/gateway/decision',
      result: { allow: true },
      input: { verified: { via: 'forward_auth' } },
    })
    const metrics = await (await fetch(`${clearance!.url}/metrics`)).text()
    for (const face of ['forward_auth', 'envoy_ext_authz']) {
      expect(metrics).toMatch(
        new RegExp(`clearance_gateway_checks_total\\{gateway="${face}",result="allow"\\} [1-9]`),
      )
    }
  })

  it('fails closed when Clearance is stopped: nothing reaches the upstream', async () => {
    await clearance?.close()
    clearance = undefined
    const before = upstream.reached.length
    for (const gateway of [nginx, caddy]) {
      const res = await httpsRequest(gateway.port, { host: 'shop.example', path: '/products', ca: ca.cert })
      expect(res.status).toBeGreaterThanOrEqual(500)
    }
    expect(upstream.reached.length).toBe(before)
  })
})

describe('docs/gateways.md', () => {
  it('shows the nginx, Caddy and Traefik configurations exactly as the files the tests run', async () => {
    const { readFileSync } = await import('node:fs')
    const { DOCS_GATEWAYS } = await import('../../../helpers/real-gateways.js')
    const doc = readFileSync(join(DOCS_GATEWAYS, '..', 'gateways.md'), 'utf8')
    for (const [file, fence] of [
      ['nginx.conf', 'nginx'],
      ['Caddyfile', 'caddyfile'],
      ['traefik.yml', 'yaml'],
    ]) {
      expect(doc).toContain(`\`\`\`${fence}\n${readFileSync(join(DOCS_GATEWAYS, file!), 'utf8')}\`\`\``)
    }
  })
})
