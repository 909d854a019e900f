// Headless Chromium for the page's tests: Debian's chromium (apt), driven by playwright-core; never a downloaded
// browser. --no-sandbox because the tests run as root in a container.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium'
/** Where browser tests write what a person should look at (screenshots). */
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-results')

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
}
