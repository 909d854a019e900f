// The map's shadow overlay end to end, in headless Chromium: `clearance serve` with a bundle and a shadow bundle
// that drops one grant (orders may no longer Charge payments); decisions made over HTTP are shadowed after their
// responses, each divergence is reported to the live traffic, and the page marks the edge with its count while
// an edge whose decisions would not change stays unmarked.
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { buildUi } from '../../scripts/build-ui.mjs'
import { silentLog } from '../helpers/app.js'
import { launchChromium, openServiceMap } from '../helpers/browser.js'
import { tempDir } from '../helpers/fixtures.js'
import { POLICIES } from '../helpers/policy-bundle.js'

const connection = { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' }
const ordersCharge = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders', authenticated: true },
  connection,
  target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
  purpose: 'checkout',
}
const webOrder = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/web', authenticated: true },
  connection,
  target: { service: 'orders', operation: { method: 'POST', path: '/orders' } },
  purpose: 'checkout',
}

describe('the map’s shadow overlay in headless Chromium', () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  const consoleErrors: string[] = []

  const check = async (input: object) => {
    const res = await fetch(`${server.url}/v1/check`, {
      method: 'POST',
      body: JSON.stringify({ ...input, time: new Date().toISOString() }),
    })
    return (await res.json()) as { allow: boolean }
  }
  const edgeData = (id: string) =>
    page.evaluate((edge) => {
      const g = document.querySelector(`g.edge[data-edge="${edge}"]`)
      return {
        allow: Number(g?.getAttribute('data-allow')),
        shadow: Number(g?.getAttribute('data-shadow')),
        marked: g?.classList.contains('shadow-changed') ?? false,
        text: g?.querySelector('.shadow')?.textContent ?? '',
      }
    }, id)

  beforeAll(async () => {
    await buildUi()
    const dir = await tempDir()
    const shadowSource = join(dir, 'shadow-policies')
    await cp(POLICIES, shadowSource, { recursive: true })
    const catalogFile = join(shadowSource, 'clearance', 'catalog', 'data.json')
    const catalog = JSON.parse(await readFile(catalogFile, 'utf8')) as {
      grants: Record<string, Record<string, Record<string, unknown>>>
    }
    delete catalog.grants.payments!['payments.v1.Payments/Charge']!.orders
    await writeFile(catalogFile, JSON.stringify(catalog))
    const enforced = join(dir, 'enforced.tar.gz')
    const shadow = join(dir, 'shadow.tar.gz')
    await Promise.all([
      buildBundle({ source: POLICIES, output: enforced, revision: 'enforced' }),
      buildBundle({ source: shadowSource, output: shadow, revision: 'shadow-no-charge' }),
    ])
    server = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${enforced}`],
        shadowBundle: [`clearance=${shadow}`],
        addr: '127.0.0.1:0',
        ui: 'on',
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

  it('marks the edge whose decisions the shadow bundle would change, with their count, and no other', async () => {
    const charges = await Promise.all([check(ordersCharge), check(ordersCharge), check(ordersCharge)])
    expect(charges.map((c) => c.allow)).toEqual([true, true, true])
    const orders = await Promise.all([check(webOrder), check(webOrder)])
    expect(orders.map((c) => c.allow)).toEqual([true, true])

    await page.waitForFunction(
      () =>
        Number(document.querySelector('g.edge[data-edge="orders>payments"]')?.getAttribute('data-shadow')) >=
          3 &&
        Number(document.querySelector('g.edge[data-edge="web>orders"]')?.getAttribute('data-allow')) >= 2,
      undefined,
      { timeout: 5_000 },
    )
    await expect(edgeData('orders>payments')).resolves.toEqual({
      allow: 3,
      shadow: 3,
      marked: true,
      text: 'shadow: 3 newly denied',
    })
    await expect(edgeData('web>orders')).resolves.toEqual({ allow: 2, shadow: 0, marked: false, text: '' })
    await expect(page.locator('#shadow-banner').textContent()).resolves.toContain('on 1 edge ')
    await expect(page.locator('#shadow-banner').isVisible()).resolves.toBe(true)
  })

  it('shows the shadow change on the edge’s recent decisions', async () => {
    await page.locator('g.edge[data-edge="orders>payments"]').focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(
        async () => (await page.locator('#details').textContent())?.split('shadow: newly denied').length,
        {
          timeout: 3_000,
        },
      )
      .toBe(4)
  })

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([])
  })
})
