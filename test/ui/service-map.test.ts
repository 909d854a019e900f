// The service map page in a real browser (headless Chromium) against `clearance serve` on 127.0.0.1: the declared
// map, live traffic over Server-Sent Events, undeclared calls, details with masking, what-if, hot reload, keyboard
// access and no console errors. Writes a screenshot of the map under test-results/ on every run.
import { cp, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { buildUi } from '../../scripts/build-ui.mjs'
import { silentLog } from '../helpers/app.js'
import { launchChromium, openServiceMap, TEST_OUTPUT } from '../helpers/browser.js'
import { tempDir } from '../helpers/fixtures.js'
import { POLICIES } from '../helpers/policy-bundle.js'

interface Catalog {
  services: Record<string, { zone: string }>
}

const catalog = JSON.parse(
  await readFile(join(POLICIES, 'clearance', 'catalog', 'data.json'), 'utf8'),
) as Catalog & Record<string, unknown>

const ordersCharge = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders', authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
  target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
  purpose: 'checkout',
  time: '2025-06-01T12:00:00Z',
}

describe('the service map page in headless Chromium', () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  let bundlePath: string
  let reloadBundle: string
  const consoleErrors: string[] = []

  const check = async (input: unknown) => {
    const res = await fetch(`${server.url}/v1/check`, { method: 'POST', body: JSON.stringify(input) })
    return (await res.json()) as {
      decision_id: string
      allow: boolean
      reasons: { code: string }[]
      obligations: unknown[]
    }
  }

  beforeAll(async () => {
    await buildUi()
    const dir = await tempDir()
    bundlePath = join(dir, 'clearance.tar.gz')
    // the hot-reload bundle: the same policies with one more service in the catalog
    const copy = join(dir, 'policies')
    await cp(POLICIES, copy, { recursive: true })
    const extended = structuredClone(catalog)
    extended.services.ledger = {
      zone: 'restricted',
      team: 'finance',
      identities: ['spiffe://shop.example/ns/pci/sa/ledger'],
      operations: {
        'GET /entries': { classification: 'restricted', tags: ['pci'], access: 'read', category: 'business' },
      },
    } as unknown as { zone: string }
    await writeFile(join(copy, 'clearance', 'catalog', 'data.json'), JSON.stringify(extended))
    reloadBundle = join(dir, 'reload.tar.gz')
    await Promise.all([
      buildBundle({ source: POLICIES, output: bundlePath, revision: 'map-rev-1' }),
      buildBundle({ source: copy, output: reloadBundle, revision: 'map-rev-2' }),
    ])
    server = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${bundlePath}`],
        addr: '127.0.0.1:0',
        ui: 'on',
        reloadCooldown: '50',
        decisionLogMask: ['/input/purpose'],
      }),
      silentLog,
    )
    browser = await launchChromium()
    page = await openServiceMap(browser, server.url, consoleErrors)
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('draws every catalog service as a node inside its zone', async () => {
    for (const [name, service] of Object.entries(catalog.services)) {
      const node = page.locator(`g.node[data-node="${name}"]`)
      await expect(node.getAttribute('data-zone')).resolves.toBe(service.zone)
      await expect(node.textContent()).resolves.toContain(name)
      const box = await node.locator('rect').boundingBox()
      const zone = await page.locator(`g.zone[data-zone="${service.zone}"] > rect`).boundingBox()
      expect(box).not.toBeNull()
      expect(zone).not.toBeNull()
      expect(box!.x).toBeGreaterThanOrEqual(zone!.x)
      expect(box!.y).toBeGreaterThanOrEqual(zone!.y)
      expect(box!.x + box!.width).toBeLessThanOrEqual(zone!.x + zone!.width + 0.5)
      expect(box!.y + box!.height).toBeLessThanOrEqual(zone!.y + zone!.height + 0.5)
    }
    for (const zone of ['internet', 'edge', 'internal', 'restricted', 'management']) {
      await expect(page.locator(`g.zone[data-zone="${zone}"]`).textContent()).resolves.toContain(zone)
    }
  })

  it('draws a grant as a directed edge labelled with its operation and purpose, expired and denied ones marked', async () => {
    const edge = page.locator('g.edge[data-edge="orders>payments"]')
    await expect(edge.textContent()).resolves.toContain('Charge · checkout')
    await expect(edge.getAttribute('aria-label')).resolves.toContain('payments.v1.Payments/Charge · checkout')
    await expect(edge.getAttribute('data-from')).resolves.toBe('orders')
    await expect(page.locator('g.edge.denied[data-edge="analytics>payments"]').count()).resolves.toBe(1)
    await expect(page.locator('g.node.revoked[data-node="reporting-job"]').count()).resolves.toBe(1)
    await expect(page.locator('g.node.people[data-node="role:operator"]').textContent()).resolves.toContain(
      'operator',
    )
  })

  it('shows a decision made over HTTP on its edge within 2 s', async () => {
    const started = Date.now()
    const verdict = await check(ordersCharge)
    expect(verdict.allow).toBe(true)
    await page.waitForFunction(
      () =>
        Number(document.querySelector('g.edge[data-edge="orders>payments"]')?.getAttribute('data-allow')) >=
        1,
      undefined,
      { timeout: 2_000 },
    )
    expect(Date.now() - started).toBeLessThanOrEqual(2_000)
    await expect(page.locator('g.edge[data-edge="orders>payments"] .traffic').textContent()).resolves.toMatch(
      /✓ \d+/,
    )
  })

  it('highlights calls the catalog does not declare: a deny with no grant and an unknown caller', async () => {
    const noGrant = await check({
      ...ordersCharge,
      subject: { ...ordersCharge.subject, spiffe_id: 'spiffe://shop.example/ns/prod/sa/web' },
    })
    const stranger = await check({
      ...ordersCharge,
      subject: { ...ordersCharge.subject, spiffe_id: 'spiffe://evil.example/sa/x' },
    })
    expect(noGrant.allow).toBe(false)
    expect(stranger.allow).toBe(false)
    await page.waitForSelector('g.edge.undeclared[data-edge="web>payments"]', { timeout: 3_000 })
    await page.waitForSelector('g.edge.undeclared[data-from="unknown:spiffe://evil.example/sa/x"]', {
      timeout: 3_000,
    })
    await expect(page.locator('g.node.unknown').first().textContent()).resolves.toContain('evil.example')
  })

  it('shows an edge’s grants and recent decisions with reasons and ids, masked fields left out', async () => {
    const revoked = await check({
      subject: {
        type: 'service',
        spiffe_id: 'spiffe://shop.example/ns/batch/sa/reporting-job',
        authenticated: true,
      },
      connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
      target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/ListSettlements' } },
      purpose: 'finance_reporting',
      time: '2025-06-01T12:00:00Z',
    })
    expect(revoked.allow).toBe(false)
    const edge = 'reporting-job>payments'
    await page.waitForFunction(
      (id) => Number(document.querySelector(`g.edge[data-edge="${id}"]`)?.getAttribute('data-deny')) >= 1,
      edge,
      { timeout: 3_000 },
    )
    const served = page.waitForResponse(
      (r) => r.url().includes('/ui/api/edges/') && r.url().includes('reporting-job'),
    )
    // by keyboard: an edge's centre can lie under a crossing edge's label, where a pointer click would land
    await page.locator(`g.edge[data-edge="${edge}"]`).focus()
    await page.keyboard.press('Enter')
    const body = await (await served).text()
    // --decision-log-mask /input/purpose: the purpose this caller stated never reaches the page
    expect(body).toContain(revoked.decision_id)
    expect(body).not.toContain('finance_reporting')
    const decision = page.locator(`#details [data-decision-id="${revoked.decision_id}"]`)
    await decision.waitFor({ timeout: 3_000 })
    await expect(decision.textContent()).resolves.toContain('identity_revoked')
    await expect(decision.textContent()).resolves.toContain('masked: /input/purpose')
    await expect(page.locator('#details').textContent()).resolves.toContain('SEC-112')
  })

  it('answers what-if questions as POST /v1/check does', async () => {
    await page.selectOption('#wi-caller', 'orders')
    await page.selectOption('#wi-callee', 'payments')
    await page.selectOption('#wi-operation', 'payments.v1.Payments/Charge')
    await page.fill('#wi-purpose', 'checkout')
    await page.click('#wi-ask')
    await page.waitForSelector('#whatif-result [data-verdict]')
    const expected = await check({ ...ordersCharge, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') })
    await expect(page.locator('#whatif-result [data-verdict]').getAttribute('data-verdict')).resolves.toBe(
      expected.allow ? 'allow' : 'deny',
    )
    const codes = await page
      .locator('#whatif-result [data-code]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
    expect(codes).toEqual(expected.reasons.map((r) => r.code))
    await expect(page.locator('#whatif-result .obligations').textContent()).resolves.toBe(
      JSON.stringify(expected.obligations),
    )
    // and a denial: the same call for the wrong purpose
    await page.fill('#wi-purpose', 'marketing')
    await page.click('#wi-ask')
    await page.waitForSelector('#whatif-result [data-verdict="deny"]')
  })

  it('reaches every control with the keyboard', async () => {
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll('button, select, input, [tabindex="0"]')].map(
        (e) =>
          e.getAttribute('id') ??
          e.getAttribute('data-edge') ??
          e.getAttribute('data-node') ??
          e.getAttribute('data-zone'),
      ),
    )
    await page.locator('body').focus()
    const reached = new Set<string | null>()
    for (let i = 0; i < controls.length + 5; i++) {
      await page.keyboard.press('Tab')
      reached.add(
        await page.evaluate(() => {
          const e = document.activeElement
          return (
            e?.getAttribute('id') ??
            e?.getAttribute('data-edge') ??
            e?.getAttribute('data-node') ??
            e?.getAttribute('data-zone') ??
            null
          )
        }),
      )
    }
    expect(controls.filter((c) => !reached.has(c))).toEqual([])
    // Enter on a focused node opens its details
    await page.locator('g.node[data-node="payments"]').focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.locator('#details').textContent(), { timeout: 3_000 })
      .toContain('Service payments')
  })

  it('draws the outline when zoomed far out and the labels again when zoomed in, counts kept', async () => {
    const labels = page.locator('g.edge.declared text.label')
    await expect(labels.count()).resolves.toBeGreaterThan(0)
    for (let i = 0; i < 5; i++) await page.click('#zoom-out')
    await expect.poll(() => labels.count(), { timeout: 3_000 }).toBe(0)
    await expect(page.locator('g.node.service .meta').count()).resolves.toBe(0)
    await expect(
      page.locator('g.edge[data-edge="orders>payments"]').getAttribute('aria-label'),
    ).resolves.toContain('payments.v1.Payments/Charge · checkout')
    await page.click('#zoom-fit')
    await expect.poll(() => labels.count(), { timeout: 3_000 }).toBeGreaterThan(0)
    await expect(page.locator('g.edge[data-edge="orders>payments"] .traffic').textContent()).resolves.toMatch(
      /✓ \d+/,
    )
  })

  it('draws edge labels clear of one another, of the nodes and of the undeclared calls’ lines, as the browser sets the text', async () => {
    const clashes = await page.evaluate(() => {
      type Rect = { x: number; y: number; width: number; height: number }
      const meets = (a: Rect, b: Rect) =>
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
      const edges = [...document.querySelectorAll<SVGGElement>('g.edge')]
      const labels = edges.flatMap((g) => {
        // an empty text (no shadow changes) measures as a point at the origin
        const boxes = [...g.querySelectorAll<SVGTextElement>('text')]
          .filter((t) => t.textContent !== '')
          .map((t) => t.getBBox())
        if (boxes.length === 0) return []
        const x = Math.min(...boxes.map((b) => b.x))
        const y = Math.min(...boxes.map((b) => b.y))
        const right = Math.max(...boxes.map((b) => b.x + b.width))
        const bottom = Math.max(...boxes.map((b) => b.y + b.height))
        return [{ id: g.dataset.edge!, box: { x, y, width: right - x, height: bottom - y } }]
      })
      const nodes = [...document.querySelectorAll<SVGGElement>('g.node')].map((g) => ({
        id: g.dataset.node!,
        box: g.querySelector('rect')!.getBBox(),
      }))
      const found: string[] = []
      for (const [i, a] of labels.entries()) {
        for (const b of labels.slice(i + 1)) if (meets(a.box, b.box)) found.push(`${a.id} overlaps ${b.id}`)
        for (const node of nodes) if (meets(a.box, node.box)) found.push(`${a.id} covers ${node.id}`)
        for (const g of document.querySelectorAll<SVGGElement>('g.edge.undeclared')) {
          if (g.dataset.edge === a.id) continue
          const path = g.querySelector('path')!
          for (let d = 0; d < path.getTotalLength(); d += 2) {
            const p = path.getPointAtLength(d)
            if (meets(a.box, { x: p.x, y: p.y, width: 0.01, height: 0.01 })) {
              found.push(`${g.dataset.edge} crosses ${a.id}`)
              break
            }
          }
        }
      }
      return { labels: labels.length, edges: edges.length, found }
    })
    // every declared and observed edge carries a label
    expect(clashes.labels).toBe(clashes.edges)
    expect(clashes.edges).toBeGreaterThanOrEqual(15)
    expect(clashes.found).toEqual([])
  })

  it('writes a screenshot of the map', async () => {
    await check(ordersCharge)
    await page.waitForTimeout(1_200)
    await mkdir(TEST_OUTPUT, { recursive: true })
    const path = join(TEST_OUTPUT, 'service-map.png')
    // wide enough that the map's labels are legible in the picture (the map fits itself to the window)
    await page.setViewportSize({ width: 2200, height: 1150 })
    await page.waitForTimeout(300)
    await page.screenshot({ path })
    await page.setViewportSize({ width: 1600, height: 1000 })
    await expect(readFile(path).then((b) => b.length)).resolves.toBeGreaterThan(10_000)
  })

  it('redraws the map when a hot reload adds a service, without reloading the page', async () => {
    await page.evaluate(() => {
      ;(window as unknown as { stayed: boolean }).stayed = true
    })
    await rename(reloadBundle, bundlePath)
    await page.waitForSelector('g.node[data-node="ledger"][data-zone="restricted"]', { timeout: 15_000 })
    await expect(page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).resolves.toBe(true)
    await expect(page.locator('#revision').textContent()).resolves.toContain('map-rev-2')
  })

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
