// The service map under --authentication token, in headless Chromium: a browser cannot send a bearer token with a
// page load or an EventSource, so GET /ui/ answers 401 with a token form; a token typed in once signs the browser
// in (an HttpOnly session cookie), and the map, its live stream and the what-if panel work from then on.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { buildUi } from '../../scripts/build-ui.mjs'
import { silentLog } from '../helpers/app.js'
import { launchChromium } from '../helpers/browser.js'
import { tempDir } from '../helpers/fixtures.js'
import { POLICIES } from '../helpers/policy-bundle.js'

const TOKEN = 'map-reader-7f3a9c'

describe('the service map behind token authentication, in headless Chromium', () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  const consoleErrors: string[] = []

  beforeAll(async () => {
    await buildUi()
    const dir = await tempDir()
    const bundle = join(dir, 'clearance.tar.gz')
    const tokens = join(dir, 'tokens')
    await writeFile(tokens, `# readers\n${TOKEN}\n`)
    await buildBundle({ source: POLICIES, output: bundle, revision: 'token-rev' })
    server = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${bundle}`],
        addr: '127.0.0.1:0',
        ui: 'on',
        authentication: 'token',
        tokenFile: tokens,
      }),
      silentLog,
    )
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    page.on('console', (message) => {
      // the sign-in form itself is answered with 401, which Chromium reports as a failed resource
      if (message.type() === 'error' && !message.text().includes('401')) consoleErrors.push(message.text())
    })
    page.on('pageerror', (error) => consoleErrors.push(error.message))
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('shows only a token form to a browser without credentials', async () => {
    const response = await page.goto(`${server.url}/ui/`)
    expect(response?.status()).toBe(401)
    await expect(page.locator('form[action="/ui/session"] input[type="password"]').count()).resolves.toBe(1)
    await expect(page.locator('svg, script').count()).resolves.toBe(0)
    const api = await fetch(`${server.url}/ui/api/map`)
    expect(api.status).toBe(401)
  })

  it('refuses a wrong token and stays on the form', async () => {
    await page.fill('#token', 'not-the-token')
    await page.click('button[type="submit"]')
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain('not accepted')
    await expect(page.context().cookies()).resolves.toEqual([])
  })

  it('opens the map, its live stream and the what-if panel once the token is typed in', async () => {
    await page.fill('#token', TOKEN)
    await page.click('button[type="submit"]')
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 })
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, {
      timeout: 10_000,
    })
    expect(page.url()).toBe(`${server.url}/ui/`)
    await expect(page.locator('g.node[data-node="payments"]').count()).resolves.toBe(1)
    const [cookie] = await page.context().cookies()
    expect(cookie).toMatchObject({ name: 'clearance_ui', httpOnly: true, sameSite: 'Strict' })
    expect(cookie!.value).not.toContain(TOKEN)

    // a decision made with the bearer token shows on its edge through the cookie-authenticated stream
    const res = await fetch(`${server.url}/v1/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        subject: {
          type: 'service',
          spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders',
          authenticated: true,
        },
        connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
        target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
        purpose: 'checkout',
        time: new Date().toISOString(),
      }),
    })
    expect(res.status).toBe(200)
    await page.waitForFunction(
      () =>
        Number(document.querySelector('g.edge[data-edge="orders>payments"]')?.getAttribute('data-allow')) >=
        1,
      undefined,
      { timeout: 5_000 },
    )

    await page.selectOption('#wi-caller', 'orders')
    await page.selectOption('#wi-callee', 'payments')
    await page.selectOption('#wi-operation', 'payments.v1.Payments/Charge')
    await page.fill('#wi-purpose', 'checkout')
    await page.click('#wi-ask')
    await page.waitForSelector('#whatif-result [data-verdict="allow"]', { timeout: 5_000 })
  })

  it('keeps the rest of the API behind the bearer token for that browser', async () => {
    const status = await page.evaluate(async () => (await fetch('/v1/data')).status)
    expect(status).toBe(401)
  })

  it('logged no console errors besides the 401s', () => {
    expect(consoleErrors).toEqual([])
  })
})
