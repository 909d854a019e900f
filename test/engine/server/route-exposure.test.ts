// Every registered route is behind authentication when it is on (liveness alone excepted), and the probes answer
// while --max-concurrent is saturated. The route list is read from the app itself, so a route added later is
// checked without anyone remembering to add it here.
import { describe, expect, it } from 'vitest'
import type { Decider } from '../../../engine/decision/index.js'
import { createMetrics } from '../../../engine/metrics/index.js'
import { createApp } from '../../../engine/server/index.js'
import { scopeOf } from '../../../engine/server/middleware/token-scopes.js'
import { LIVENESS_PATH } from '../../../engine/server/probe-paths.js'
import {
  createPageMasker,
  createServiceMapSource,
  createTrafficAggregator,
} from '../../../engine/service-map/index.js'
import { silentLog } from '../../helpers/app.js'

/** A decider whose every decision waits for `release`, to hold requests in flight. */
function blockingDecider(): { decider: Decider; release(): void } {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const decider: Decider = {
    policies: () => {
      throw new Error('not used')
    },
    decide: async () => {
      await gate
      throw new Error('released')
    },
  }
  return { decider, release }
}

/** The service map page's routes, over no active policy (no request reaches them without credentials). */
function serviceMapUi() {
  const source = createServiceMapSource({
    current: () => undefined,
    onActivate: () => () => {},
    catalogPath: 'clearance/catalog',
  })
  const traffic = createTrafficAggregator({ graph: () => source.graph(), mask: createPageMasker() })
  return { assets: new Map(), source, traffic }
}

function appWith(
  authentication: Parameters<typeof createApp>[0]['authentication'],
  decider: Decider,
  maxConcurrent = 64,
) {
  return createApp({
    decider,
    config: { defaultDecision: 'system/main', maxBodyBytes: 1024, json: { maxDepth: 8, maxElements: 100 } },
    log: silentLog,
    version: 'test',
    bundlesNotReady: () => undefined,
    metrics: createMetrics(),
    authentication,
    maxConcurrent,
    // Optional route groups on, so their routes are enumerated too (forward-auth judges its callers itself).
    authzenPath: 'clearance/authz/decision',
    shadowDivergences: () => [],
    ui: serviceMapUi(),
  })
}

/** A concrete request path for a registered route pattern ("/v1/data/*" → "/v1/data/x"). */
const concrete = (pattern: string): string =>
  pattern.replaceAll('*', 'x').replace(/:[A-Za-z_]+(\{[^}]*\})?/g, 'x')

describe('route exposure', () => {
  const app = appWith({ mode: 'token', tokens: ['secret'] }, blockingDecider().decider)
  const routes = app.routes.filter((route) => route.method !== 'ALL' && route.path !== '/*')

  it('registers the routes this test is meant to cover, /metrics among them', () => {
    const paths = routes.map((route) => route.path)
    expect(paths).toContain('/metrics')
    expect(paths).toContain('/v1/status')
    expect(paths).toContain('/v1/check')
    expect(paths.some((path) => path.includes('access/v1'))).toBe(true)
    expect(paths).toContain('/v1/shadow/divergences')
    expect(paths).toContain('/ui/')
    expect(paths).toContain('/ui/api/stream')
    expect(paths).toContain('/v1/policies')
    expect(paths).toContain('/v1/config')
    expect(routes.length).toBeGreaterThan(8)
  })

  it('answers 401 on every registered route without credentials, except liveness', async () => {
    const open: string[] = []
    for (const route of routes) {
      const path = concrete(route.path)
      const init = route.method === 'GET' ? {} : { method: route.method, body: '{}' }
      const res = await app.request(path, init)
      if (path === LIVENESS_PATH) {
        expect(res.status).toBe(200)
        continue
      }
      if (res.status !== 401) open.push(`${route.method} ${path} → ${res.status}`)
    }
    expect(open).toEqual([])
  })

  it('refuses a scoped token with 403 on every route outside its scopes, and lets it through on the rest', async () => {
    const blocking = blockingDecider()
    const scoped = appWith(
      {
        mode: 'token',
        tokens: [
          { token: 'reader', scopes: new Set(['read'] as const) },
          { token: 'decider', scopes: new Set(['decide'] as const) },
          { token: 'root', scopes: new Set(['admin'] as const) },
        ],
      },
      blocking.decider,
    )
    const wrong: string[] = []
    for (const route of routes) {
      const path = concrete(route.path)
      if (path === LIVENESS_PATH) continue
      // The service map's sign-in reads the token from its form, not the header (test/engine/server/ui/).
      if (route.method === 'POST' && path === '/ui/session') continue
      const needed = scopeOf(route.method, path)
      for (const token of ['reader', 'decider', 'root']) {
        const init: RequestInit = { headers: { authorization: `Bearer ${token}` } }
        if (route.method !== 'GET') Object.assign(init, { method: route.method, body: '{}' })
        // A decision would wait on the blocking decider: only the refusal (or not) is read, within a moment.
        const status = await Promise.race([
          Promise.resolve(scoped.request(path, init)).then((res) => res.status),
          new Promise<number>((resolve) => setTimeout(() => resolve(0), 200)),
        ])
        const allowed = token === 'root' || (token === 'reader' ? needed === 'read' : needed === 'decide')
        if (allowed === (status === 403) || status === 401) {
          wrong.push(`${token} ${route.method} ${path} (needs ${needed}) → ${status}`)
        }
      }
    }
    blocking.release()
    expect(wrong).toEqual([])
  })

  it('serves /metrics with a valid token', async () => {
    const res = await app.request('/metrics', { headers: { authorization: 'Bearer secret' } })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('clearance_')
  })
})

describe('probes under load', () => {
  it('answers liveness, health and status while --max-concurrent is saturated', async () => {
    const { decider, release } = blockingDecider()
    const app = appWith({ mode: 'off' }, decider, 2)
    const held = [1, 2].map(() => app.request('/v1/data/a', { method: 'POST', body: '{"input":{}}' }))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const refused = await app.request('/v1/data/a', { method: 'POST', body: '{"input":{}}' })
    expect(refused.status).toBe(429)
    for (const path of ['/health/live', '/health', '/health/ready', '/v1/status', '/metrics']) {
      expect((await app.request(path)).status, path).toBe(200)
    }
    release()
    await Promise.all(held)
  })
})
