// How long the service map page takes to show a generated 1,000-service catalog in headless Chromium (Debian's
// chromium, driven by playwright-core): from navigation to the map drawn (every node in the DOM, body[data-ready]).
// The first load after start-up includes the server's ELK layout if it is still running; later loads are warm.
// Usage: npx tsx bench/ui-render.ts [--services 1000] [--loads 5]

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { serveConfigFromOptions } from '../engine/config/config.js'
import { startServer } from '../engine/main.js'
import { catalogGraph, layoutGraph } from '../engine/service-map/index.js'
import { buildUi } from '../scripts/build-ui.mjs'
import { launchChromium } from '../test/helpers/browser.js'
import { catalogBundle } from './support/bundles.js'

const { values } = parseArgs({
  options: { services: { type: 'string', default: '1000' }, loads: { type: 'string', default: '5' } },
})
const size = Number(values.services)
const loads = Number(values.loads)
const gzipped = await buildUi()
const bundle = await catalogBundle(size)
const catalog = JSON.parse(readFileSync(join(bundle.source, 'clearance', 'catalog', 'data.json'), 'utf8'))
const graph = catalogGraph(catalog)
let started = performance.now()
await layoutGraph(graph)
const layoutMs = performance.now() - started

const server = await startServer(
  serveConfigFromOptions({ bundle: [`clearance=${bundle.wasm}`], addr: '127.0.0.1:0', ui: 'on' }),
  pino({ level: 'silent' }),
)
const browser = await launchChromium()
const times: number[] = []
try {
  for (let i = 0; i < loads; i++) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    started = performance.now()
    await page.goto(`${server.url}/ui/`)
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 })
    times.push(performance.now() - started)
    const nodes = await page.locator('g.node').count()
    if (nodes < graph.services.length)
      throw new Error(`only ${nodes} of ${graph.services.length} nodes drawn`)
    const parts = await page.evaluate(() => ({ ...document.body.dataset }))
    console.log(
      `load ${i + 1}: ${times[i]!.toFixed(0)} ms (map fetch ${parts.fetchMs} ms, draw ${parts.drawMs} ms, script start → ready ${parts.renderMs} ms)`,
    )
    if (i === 0) console.log(`nodes drawn: ${nodes}, edges drawn: ${await page.locator('g.edge').count()}`)
    await page.close()
  }
} finally {
  await browser.close()
  await server.close()
}
const sorted = [...times].sort((a, b) => a - b)
console.log(
  `services in catalog: ${graph.services.length} (${size} generated + the shop's), grants: ${graph.edges.length}`,
)
console.log(`page script: ${(gzipped / 1024).toFixed(1)} KiB gzipped`)
console.log(
  `server layout (ELK, once per revision, off the page's path when warm): ${layoutMs.toFixed(0)} ms`,
)
console.log(
  `page render, navigation → map drawn: first ${times[0]!.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms over ${loads} loads`,
)
