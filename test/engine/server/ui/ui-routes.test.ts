// The /ui/ routes on the app: the page and its assets, the map of the active revision, the live stream of traffic
// frames and revisions, all behind the app's authentication.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../../engine/activation/index.js'
import { loadBundleFromPath } from '../../../../engine/bundle/index.js'
import { createDecider, observeDecisions } from '../../../../engine/decision/index.js'
import { createPolicySet } from '../../../../engine/policy/index.js'
import { createApp, loadUiAssets } from '../../../../engine/server/index.js'
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

async function setup(authentication?: { mode: 'token'; tokens: string[] }) {
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
  it('answers 401 without credentials and the page with them', async () => {
    const { app, traffic } = await setup({ mode: 'token', tokens: ['s3cret'] })
    for (const path of ['/ui/', '/ui/api/map', '/ui/api/stream', '/ui/assets/app.js']) {
      expect((await app.request(path)).status).toBe(401)
    }
    expect((await app.request('/ui/', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200)
    traffic.stop()
  }, 60_000)
})
