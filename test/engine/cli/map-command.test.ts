// `clearance map` as a user runs it (the compiled CLI): the declared map of a policy folder or a built bundle as
// SVG, DOT or Mermaid, to stdout or a file; a source without a catalog is a usage error.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runClearance } from '../../helpers/clearance-cli.js'
import { fixtureDir, tempDir } from '../../helpers/fixtures.js'
import { buildPolicyBundle, POLICIES } from '../../helpers/policy-bundle.js'

describe('clearance map', () => {
  let bundle: string
  beforeAll(async () => {
    bundle = await buildPolicyBundle('map-cli')
  }, 120_000)

  it('draws a policy folder as SVG with every service and grant, without compiling its Rego', async () => {
    const out = join(await tempDir(), 'map.svg')
    const run = await runClearance(['map', POLICIES, '--format', 'svg', '-o', out])
    expect(run.code, run.stderr).toBe(0)
    const svg = await readFile(out, 'utf8')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    for (const service of ['gateway', 'web', 'orders', 'payments', 'admin-console']) {
      expect(svg).toContain(`data-node="${service}"`)
    }
    expect(svg).toContain('Charge · checkout')
  }, 60_000)

  it('writes DOT and Mermaid from a built bundle to stdout', async () => {
    const dot = await runClearance(['map', bundle, '--format', 'dot'])
    expect(dot.code, dot.stderr).toBe(0)
    expect(dot.stdout).toContain('"orders" -> "payments"')
    const mermaid = await runClearance(['map', bundle, '-f', 'mermaid'])
    expect(mermaid.stdout.startsWith('flowchart LR')).toBe(true)
  }, 60_000)

  it('refuses a source with no catalog and an unknown format', async () => {
    const none = await runClearance(['map', fixtureDir('basic')])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('has no catalog at data.clearance.catalog')
    expect((await runClearance(['map', POLICIES, '--format', 'png'])).code).toBe(2)
  }, 60_000)
})
