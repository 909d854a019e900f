// The bundle file is rewritten 50 times, alternating good versions and broken ones, while requests keep coming
// through the HTTP app: no request fails, each answer is made by exactly one revision (the version in its result
// is the one its provenance names), and no broken version is ever active.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appFor } from '../../helpers/app.js'
import { buildFixture } from '../../helpers/fixtures.js'
import {
  type CorruptionKind,
  corruptions,
  eventually,
  type Files,
  readArchive,
  reloadVersion,
  writeBundle,
} from './support/bundle-kit.js'
import { freshDir, type Managed, managerFor } from './support/manager-kit.js'

const REWRITES = 50
const WORKERS = 4

describe('reload under steady load', () => {
  let base: Files
  let managed: Managed

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
  })

  afterAll(async () => {
    await managed?.manager.stop()
  })

  it('rewrites the bundle 50 times without a failed request or a broken version going live', async () => {
    const file = join(await freshDir('load'), 'reload.tar.gz')
    await writeFile(file, reloadVersion(base, 0))
    // The HTTP app as the route tests build it; the manager then drives the same registry.
    const { app, registry } = await appFor({ reload: file })
    managed = managerFor({ specs: [{ name: 'reload', path: file }], cooldownMs: 30, registry })
    const { manager } = managed
    await manager.start()

    const goodRevisions = new Set(['v0'])
    const activated: string[] = []
    registry.onActivate((next) => activated.push(next.revisions.reload ?? 'none'))

    let done = false
    let requests = 0
    const failures: string[] = []
    const seen = new Set<string>()
    const worker = async (): Promise<void> => {
      while (!done) {
        const response = await app.request('/v1/data/reload/version', {
          method: 'POST',
          body: '{"input":{}}',
        })
        requests++
        const body = (await response.json()) as {
          result?: string
          provenance?: { bundles?: Record<string, { revision: string }> }
        }
        const revision = body.provenance?.bundles?.reload?.revision
        if (response.status !== 200 || revision === undefined || `v${body.result}` !== revision) {
          failures.push(`${response.status} ${JSON.stringify(body)}`)
        } else {
          seen.add(revision)
        }
        // Let file-system events and the reload run between requests, as a server's event loop would.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const workers = Array.from({ length: WORKERS }, worker)

    const kinds = Object.keys(corruptions) as CorruptionKind[]
    const started = Date.now()
    for (let i = 1; i <= REWRITES; i++) {
      const how = i % 4 < 2 ? 'rename' : 'in-place'
      if (i % 2 === 0) {
        const version = i / 2
        goodRevisions.add(`v${version}`)
        await writeBundle(file, reloadVersion(base, version), how)
        await eventually(
          () => {
            const status = manager.status().bundles.reload
            return status?.active_revision === `v${version}` && status.code === undefined
          },
          5000,
          `version ${version}`,
        )
      } else {
        const kind = kinds[((i - 1) / 2) % kinds.length]!
        await writeBundle(file, corruptions[kind](reloadVersion(base, 1000 + i), base), how)
        await eventually(
          () => manager.status().bundles.reload?.code === 'bundle_error',
          5000,
          `refusal of ${kind}`,
        )
      }
    }
    const elapsed = Date.now() - started
    done = true
    await Promise.all(workers)

    expect(failures).toEqual([])
    expect(requests).toBeGreaterThan(REWRITES * 5)
    for (const revision of [...seen, ...activated]) expect(goodRevisions.has(revision)).toBe(true)
    expect(activated).toHaveLength(REWRITES / 2)
    expect(seen.size).toBeGreaterThan(REWRITES / 4)
    expect(elapsed).toBeLessThan(30_000)
  })
})
