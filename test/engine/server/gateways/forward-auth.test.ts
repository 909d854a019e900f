// Forward-auth as gateways call it: the original request in X-Forwarded-* / X-Original-* headers, the user in a
// bearer JWT, the client certificate in X-Forwarded-Client-Cert, over a real socket from 127.0.0.1 (a trusted
// proxy) — and the same headers from an address that is not trusted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIssuer, gatewayApp, type IssuerKeys } from '../../../helpers/gateway-app.js'
import { buildPolicyBundle } from '../../../helpers/policy-bundle.js'

type Listening = Awaited<ReturnType<typeof gatewayApp>>

const forwarded = (method: string, uri: string, host = 'shop.example') => ({
  'x-forwarded-method': method,
  'x-forwarded-uri': uri,
  'x-forwarded-host': host,
  'x-forwarded-proto': 'https',
  'x-forwarded-for': '203.0.113.7',
})

describe('forward-auth with the shop policy', () => {
  let bundle: string
  let issuer: IssuerKeys
  let gateway: Listening
  const logLines: Record<string, unknown>[] = []
  const ask = (headers: Record<string, string>) =>
    fetch(`${gateway.server.url}/v1/gateway/forward-auth`, { headers })
  const check = async (input: unknown) =>
    (await gateway.app.request('/v1/check', { method: 'POST', body: JSON.stringify(input) })).json()

  beforeAll(async () => {
    bundle = await buildPolicyBundle()
    issuer = await createIssuer()
    gateway = await gatewayApp({ bundle, issuer, logLines })
  })
  afterAll(async () => {
    await gateway.server.close()
  })

  it('allows a signed-in customer to check out, with the reasons and obligations of POST /v1/check', async () => {
    const token = issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })
    const res = await ask({ ...forwarded('POST', '/checkout?step=pay'), authorization: `Bearer ${token}` })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(res.headers.get('x-clearance-decision-id')).toBe(body.decision_id)
    const obligations = JSON.parse(res.headers.get('x-clearance-obligations') ?? 'null')
    const direct = await check({
      subject: { type: 'user', authenticated: true, id: 'carol@example.net', roles: ['customer'] },
      connection: {
        tls: true,
        mtls: true,
        via_gateway: true,
        source_ip: '203.0.113.7',
        gateway_id: 'spiffe://shop.example/ns/edge/sa/gateway',
      },
      target: { service: 'web', operation: { method: 'POST', path: '/checkout' } },
      time: new Date().toISOString(),
    })
    expect(direct.allow).toBe(true)
    expect(body.reasons).toEqual(direct.reasons)
    expect(obligations).toEqual(direct.obligations)
    expect(obligations.map((o: { type: string }) => o.type)).toEqual([
      'audit',
      'rate_limit',
      'restrict_to_owner',
    ])
  })

  it('lets an anonymous visitor browse products, rate limited as anonymous', async () => {
    const res = await ask(forwarded('GET', '/products'))
    expect(res.status).toBe(200)
    expect(res.headers.get('x-clearance-reasons')).toBe('anonymous_access')
  })

  it('answers 401 to an anonymous checkout', async () => {
    const res = await ask(forwarded('POST', '/checkout'))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
    expect(res.headers.get('x-clearance-decision-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers.get('x-clearance-obligations')).toBeNull()
  })

  it('answers 403 to a signed-in customer the policy denies', async () => {
    const token = issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })
    const res = await ask({
      ...forwarded('GET', '/', 'admin.shop.example'),
      authorization: `Bearer ${token}`,
    })
    expect(res.status).toBe(403)
    expect((await res.json()).allow).toBe(false)
  })

  it('answers 401 to a token signed by another key, and logs why', async () => {
    const stranger = await createIssuer('stranger')
    logLines.length = 0
    const token = stranger.sign({ sub: 'mallory@example.net', roles: ['customer'] })
    const res = await ask({ ...forwarded('GET', '/products'), authorization: `Bearer ${token}` })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('invalid_token')
    expect(logLines.some((line) => line.code === 'invalid_token')).toBe(true)
  })

  it("reads nginx's X-Original-URI and X-Original-Method", async () => {
    const res = await ask({
      'x-original-uri': '/orders/42',
      'x-original-method': 'GET',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-proto': 'https',
      authorization: `Bearer ${issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })}`,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-clearance-reasons')).toBe('end_user_access')
  })

  it('takes a service identity from X-Forwarded-Client-Cert sent by a trusted proxy', async () => {
    const res = await ask({
      ...forwarded('POST', '/orders'),
      'x-forwarded-client-cert':
        'By=spiffe://shop.example/ns/prod/sa/orders;Hash=0f3c5a;URI=spiffe://shop.example/ns/prod/sa/web',
      // the grant is for checkout: a purpose binds the grant that states one
      'x-clearance-purpose': 'checkout',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-clearance-reasons')).toBe('grant_matched')
  })

  it('denies a client-certificate header from an untrusted address and logs it', async () => {
    logLines.length = 0
    // app.request has no socket: the caller is not a trusted proxy
    const res = await gateway.app.request('/v1/gateway/forward-auth', {
      headers: {
        ...forwarded('POST', '/orders'),
        'x-forwarded-client-cert': 'URI=spiffe://shop.example/ns/prod/sa/web',
      },
    })
    expect(res.status).toBe(403)
    expect((await res.json()).reasons[0].code).toBe('untrusted_proxy')
    expect(logLines.some((line) => line.code === 'untrusted_proxy')).toBe(true)
  })

  it('ignores forwarded request headers from an untrusted address', async () => {
    const res = await gateway.app.request('http://localhost/v1/gateway/forward-auth', {
      headers: forwarded('GET', '/products'),
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('x-clearance-reasons')).toBe('gateway_route_unknown')
  })

  it('denies an unreadable client-certificate header', async () => {
    const res = await ask({
      ...forwarded('GET', '/products'),
      'x-forwarded-client-cert': 'By=x;Subject="CN=a"',
    })
    expect(res.status).toBe(403)
    expect((await res.json()).reasons[0].code).toBe('invalid_client_certificate')
  })
})

describe('forward-auth without an active bundle', () => {
  it('answers 403 and logs that no decision could be made', async () => {
    const logLines: Record<string, unknown>[] = []
    const gateway = await gatewayApp({ bundle: undefined, issuer: await createIssuer('none'), logLines })
    try {
      const res = await fetch(`${gateway.server.url}/v1/gateway/forward-auth`, {
        headers: forwarded('GET', '/products'),
      })
      expect(res.status).toBe(403)
      expect(logLines.some((line) => /no policy bundle is active/.test(String(line.msg)))).toBe(true)
    } finally {
      await gateway.server.close()
    }
  })
})

describe('forward-auth beside --authentication token', () => {
  it("is exempt (the Authorization header is the user's), while the REST API still requires its token", async () => {
    const issuer = await createIssuer('exempt')
    const gateway = await gatewayApp({ bundle: await buildPolicyBundle(), issuer, apiTokens: ['api-secret'] })
    try {
      const token = issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })
      const res = await fetch(`${gateway.server.url}/v1/gateway/forward-auth`, {
        headers: { ...forwarded('POST', '/checkout'), authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      const api = await fetch(`${gateway.server.url}/v1/data/clearance/catalog/meta`)
      expect(api.status).toBe(401)
      expect((await api.json()).code).toBe('unauthorized')
    } finally {
      await gateway.server.close()
    }
  })
})
