// --ui as `clearance serve` wires it: the page by default on loopback, gone with --ui off, a bad mode refused at
// start-up naming the flag; a large catalog's map built only when a page asks for it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../engine/activation/index.js'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { DEFAULTS } from '../../engine/config/index.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import type { PolicySet } from '../../engine/policy/index.js'
import { createServiceMapUi } from '../../engine/service-map-ui.js'
import { buildUi } from '../../scripts/build-ui.mjs'
import { silentLog } from '../helpers/app.js'
import { buildFixture } from '../helpers/fixtures.js'

describe('--ui', () => {
  const servers: RunningServer[] = []
  let bundle: string
  beforeAll(async () => {
    await buildUi()
    bundle = await buildFixture('basic')
  }, 120_000)
  afterAll(async () => {
    for (const server of servers) await server.close()
  })

  const serve = async (ui?: string) => {
    const server = await startServer(
      serveConfigFromOptions({ bundle: [`basic=${bundle}`], addr: '127.0.0.1:0', ...(ui ? { ui } : {}) }),
      silentLog,
    )
    servers.push(server)
    return server
  }

  it('serves the page by default on a loopback address', async () => {
    const server = await serve()
    const res = await fetch(`${server.url}/ui/`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<title>Clearance — service map</title>')
  })

  it('serves no page with --ui off', async () => {
    const server = await serve('off')
    expect((await fetch(`${server.url}/ui/`)).status).toBe(404)
    expect((await fetch(`${server.url}/ui/api/stream`)).status).toBe(404)
  })

  it('refuses an unknown mode at start-up, naming the flag', () => {
    expect(() => serveConfigFromOptions({ bundle: [`basic=${bundle}`], ui: 'maybe' })).toThrow(/--ui/)
  })
})

describe('the service map of the active set', () => {
  const catalog = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../policies/clearance/catalog/data.json'), 'utf8'),
  ) as unknown
  beforeAll(async () => {
    await buildUi()
  }, 120_000)

  /** A set holding the example catalog that says it is `dataSize` bytes, counting how often its data is read. */
  const activeSet = (dataSize: number) => {
    const reads = { count: 0 }
    const set = {
      revisions: { clearance: 'r1' },
      dataSize,
      dataDocument: () => {
        reads.count++
        return { clearance: { catalog } }
      },
    } as unknown as PolicySet
    const registry = createPolicyRegistry()
    registry.activate(set)
    return { registry, reads }
  }
  const mapUi = (registry: ReturnType<typeof createPolicyRegistry>) =>
    createServiceMapUi({ registry, maskRules: [], checkPath: DEFAULTS.checkPath, log: silentLog })

  it('leaves a large catalog unread until a page asks for its map, then answers it laid out', async () => {
    const { registry, reads } = activeSet(DEFAULTS.ui.eagerLayoutMaxDataBytes + 1)
    const ui = mapUi(registry)
    try {
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(reads.count).toBe(0)
      const snapshot = await ui.deps.source.snapshot()
      expect(reads.count).toBe(1)
      expect(snapshot?.revision).toBe('clearance=r1')
      const ids = snapshot!.graph.services.map((service) => service.id)
      expect(ids).toContain('payments')
      for (const id of ids) expect(snapshot!.layout.nodes[id]).toBeDefined()
      // laid out once: a second page gets the same map without reading the data again
      expect(await ui.deps.source.snapshot()).toBe(snapshot)
      expect(reads.count).toBe(1)
    } finally {
      ui.stop()
    }
  }, 30_000)

  it('lays out a small catalog when the page is wired, before any page asks', async () => {
    const { registry, reads } = activeSet(1024)
    const ui = mapUi(registry)
    try {
      expect(reads.count).toBe(1)
      const snapshot = await ui.deps.source.snapshot()
      expect(snapshot?.graph.services.map((service) => service.id)).toContain('payments')
      expect(reads.count).toBe(1)
    } finally {
      ui.stop()
    }
  }, 30_000)
})
