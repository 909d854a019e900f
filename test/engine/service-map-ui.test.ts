// --ui as `clearance serve` wires it: the page by default on loopback, gone with --ui off, a bad mode refused at
// start-up naming the flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
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
