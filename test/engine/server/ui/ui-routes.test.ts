// The /ui/ routes on the app: the page and its assets, the map of the active revision, the live stream of traffic
// frames and revisions, all behind the app's authentication.
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../../engine/activation/index.js'
import { loadBundleFromPath } from '../../../../engine/bundle/index.js'
import { createDecider, observeDecisions } from '../../../../engine/decision/index.js'
import { createPolicySet } from '../../../../engine/policy/index.js'
import { type AuthenticationOptions, createApp, loadUiAssets } from '../../../../engine/server/index.js'
import {
  createPageMasker,
  createServiceMapSource,
  createTrafficAggregator,
} from '../../../../engine/service-map/index.js'
import { buildUi } from '../../../../scripts/build-ui.mjs'
import { silentLog } from '../../../helpers/app.js'
import { tempDir } from '../../../helpers/fixtures.js'
import { buildPolicyBundle } from '../../../helpers/policy-bundle.js'

const charge = JSON.stringify({
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders', authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
  target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
  purpose: 'checkout',
  time: '2025-06-01T12:00:00Z',
})

async function setup(authentication?: AuthenticationOptions) {
  const uiDir = await tempDir()
  await buildUi(uiDir)
  const registry = createPolicyRegistry()
  registry.activate(await createPolicySet([await loadBundleFromPath('clearance', bundle)]))
  const source = createServiceMapSource({
    current: () => registry.current(),
    onActivate: (l) => registry.onActivate(l),
    catalogPath: 'clearance/catalog',
  })
  const traffic = createTrafficAggregator({ graph: () => source.graph(), mask: createPageMasker() })
  const app = createApp({
    decider: observeDecisions(createDecider({ registry }), {
      decided: (d, i) => traffic.decided(d, i),
      failed: (p, i, err, ns) => traffic.failed(p, i, err, ns),
    }),
    config: {
      defaultDecision: 'system/main',
      maxBodyBytes: 1 << 20,
      json: { maxDepth: 64, maxElements: 100_000 },
    },
    log: silentLog,
    version: 'test',
    bundlesNotReady: () => undefined,
    ...(authentication ? { authentication } : {}),
    ui: { assets: loadUiAssets(uiDir), source, traffic },
  })
  return { app, registry, source, traffic }
}

let bundle: string
beforeAll(async () => {
  bundle = await buildPolicyBundle('ui-routes')
}, 120_000)

describe('/ui/ routes', () => {
  let ctx: Awaited<ReturnType<typeof setup>>
  beforeAll(async () => {
    ctx = await setup()
  }, 60_000)
  afterAll(() => ctx.traffic.stop())

  it('serves the page with a content security policy that allows only its own script', async () => {
    const res = await ctx.app.request('/ui/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await res.text()).toContain('assets/app.js')
    const script = await ctx.app.request('/ui/assets/app.js')
    expect(script.headers.get('content-type')).toContain('text/javascript')
    expect((await ctx.app.request('/ui/assets/nothing.js')).status).toBe(404)
  })

  it('answers the map of the active revision: graph and layout', async () => {
    const res = await ctx.app.request('/ui/api/map')
    const body = (await res.json()) as {
      revision: string
      graph: { services: { id: string }[] }
      layout: { nodes: Record<string, unknown> }
    }
    expect(body.revision).toBe('clearance=ui-routes')
    expect(body.graph.services.map((s) => s.id)).toContain('payments')
    expect(body.layout.nodes.payments).toBeDefined()
    // compressed once per revision for clients that take gzip: the same document
    const zipped = await ctx.app.request('/ui/api/map', { headers: { 'accept-encoding': 'gzip' } })
    expect(zipped.headers.get('content-encoding')).toBe('gzip')
    const unzipped = gunzipSync(new Uint8Array(await zipped.arrayBuffer())).toString('utf8')
    expect(JSON.parse(unzipped)).toEqual(body)
  }, 30_000)

  it('streams a traffic frame with the edge of a decision made through /v1/check', async () => {
    const res = await ctx.app.request('/ui/api/stream')
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const read = async (until: string) => {
      while (!text.includes(until)) text += decoder.decode((await reader.read()).value)
    }
    await read('event: hello')
    const check = await ctx.app.request('/v1/check', { method: 'POST', body: charge })
    const { decision_id } = (await check.json()) as { decision_id: string }
    await read('"orders>payments"')
    await reader.cancel()
    expect(text).toMatch(
      /event: traffic\ndata: \{"t":\d+,"edges":\[\{"id":"orders>payments","from":"orders","to":"payments","kind":"declared","allow":1,"deny":0\}\]/,
    )
    const recent = await ctx.app.request(`/ui/api/edges/${encodeURIComponent('orders>payments')}/decisions`)
    expect(
      ((await recent.json()) as { decisions: { decision_id: string }[] }).decisions[0]?.decision_id,
    ).toBe(decision_id)
  }, 10_000)

  it('tells an open stream when a hot reload activates a new revision', async () => {
    const res = await ctx.app.request('/ui/api/stream')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    while (!text.includes('event: hello')) text += decoder.decode((await reader.read()).value)
    const renamed = await buildPolicyBundle('ui-routes-2')
    ctx.registry.activate(await createPolicySet([await loadBundleFromPath('clearance', renamed)]))
    while (!text.includes('event: revision')) text += decoder.decode((await reader.read()).value)
    await reader.cancel()
    expect(text).toContain('data: {"revision":"clearance=ui-routes-2"}')
  }, 120_000)
})

describe('/ui/ behind authentication', () => {
  const signIn = (app: Awaited<ReturnType<typeof setup>>['app'], token: string, origin?: string) =>
    app.request('http://localhost/ui/session', {
      method: 'POST',
      headers: {
        host: 'localhost',
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin === undefined ? {} : { origin }),
      },
      body: new URLSearchParams({ token }).toString(),
    })
  const cookieOf = (res: Response): string => (res.headers.get('set-cookie') ?? '').split(';')[0]!

  it('answers 401 without credentials and the page with them', async () => {
    const { app, traffic } = await setup({ mode: 'token', tokens: ['s3cret'] })
    for (const path of ['/ui/', '/ui/api/map', '/ui/api/stream', '/ui/assets/app.js']) {
      expect((await app.request(path)).status).toBe(401)
    }
    expect((await app.request('/ui/', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200)
    traffic.stop()
  }, 60_000)

  it('answers GET /ui/ without credentials with a token form that reveals nothing else, the API with 401 JSON', async () => {
    const { app, traffic } = await setup({ mode: 'token', tokens: ['s3cret'] })
    const page = await app.request('/ui/')
    expect(page.status).toBe(401)
    const html = await page.text()
    expect(html).toContain('<form method="post" action="/ui/session">')
    for (const secret of ['app.js', 'payments', 'orders', 's3cret']) expect(html).not.toContain(secret)
    const api = await app.request('/ui/api/map')
    expect(api.status).toBe(401)
    await expect(api.json()).resolves.toMatchObject({ code: 'unauthorized' })
    traffic.stop()
  }, 60_000)

  it('signs a browser in with a token posted in a form: an HttpOnly SameSite=Strict cookie that is not the token', async () => {
    const { app, traffic } = await setup({ mode: 'token', tokens: ['other', 's3cret'] })
    const refused = await signIn(app, 'wrong')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('set-cookie')).toBeNull()
    const res = await signIn(app, 's3cret')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/ui/')
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(
      /^clearance_ui=\d+\.[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    )
    expect(setCookie).not.toContain('s3cret')
    const cookie = { cookie: cookieOf(res) }
    expect((await app.request('/ui/', { headers: cookie })).status).toBe(200)
    expect((await app.request('/ui/api/map', { headers: cookie })).status).toBe(200)
    const check = await app.request('/v1/check', { method: 'POST', headers: cookie, body: charge })
    expect(check.status).toBe(200)
    // the cookie is for the page's own requests only: the rest of the API still wants the bearer token
    expect((await app.request('/v1/data', { headers: cookie })).status).toBe(401)
    expect((await app.request('/v1/status', { headers: cookie })).status).toBe(401)
    traffic.stop()
  }, 60_000)

  it('signs in only a token allowed to read and decide (the page reads the map and asks /v1/check)', async () => {
    const { app, traffic } = await setup({
      mode: 'token',
      tokens: [
        { token: 'reader', scopes: new Set(['read'] as const) },
        { token: 'both', scopes: new Set(['read', 'decide'] as const) },
      ],
    })
    const refused = await signIn(app, 'reader')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('set-cookie')).toBeNull()
    const res = await signIn(app, 'both')
    expect(res.status).toBe(303)
    expect((await app.request('/ui/api/map', { headers: { cookie: cookieOf(res) } })).status).toBe(200)
    traffic.stop()
  }, 60_000)

  it('refuses a forged cookie, a cookie of a token no longer accepted and a sign-in posted from another site', async () => {
    const first = await setup({ mode: 'token', tokens: ['s3cret'] })
    const issued = cookieOf(await signIn(first.app, 's3cret'))
    const [name, value] = issued.split('=') as [string, string]
    const [expires, mac] = value.split('.') as [string, string]
    const forged = `${name}=${Number(expires) + 1000}.${mac}`
    expect((await first.app.request('/ui/api/map', { headers: { cookie: forged } })).status).toBe(401)
    expect((await first.app.request('/ui/api/map', { headers: { cookie: `${name}=s3cret` } })).status).toBe(
      401,
    )
    const crossSite = await signIn(first.app, 's3cret', 'https://evil.example')
    expect(crossSite.status).toBe(401)
    expect(crossSite.headers.get('set-cookie')).toBeNull()
    first.traffic.stop()
    // the token file changed: sessions signed with the removed token end
    const second = await setup({ mode: 'token', tokens: ['n3w'] })
    expect((await second.app.request('/ui/api/map', { headers: { cookie: issued } })).status).toBe(401)
    second.traffic.stop()
  }, 60_000)
})
