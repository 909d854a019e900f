// Headless Chromium for the page's tests: Debian's chromium (apt), driven by playwright-core; never a downloaded
// browser. --no-sandbox because the tests run as root in a container.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'
/** Where browser tests write what a person should look at (screenshots). */
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-results')

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
}

/**
 * Opens the service map of the server at `url` in a new page of `browser`, once the map is drawn and its live
 * stream connected; console errors and page errors are pushed to `consoleErrors`.
 */
export async function openServiceMap(browser: Browser, url: string, consoleErrors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => consoleErrors.push(error.message))
  await page.goto(`${url}/ui/`)
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 })
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'live', undefined, {
    timeout: 10_000,
  })
  return page
}
