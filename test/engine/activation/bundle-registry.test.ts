import { beforeAll, describe, expect, it } from 'vitest'
import { createBundleRegistry } from '../../../engine/activation/bundle-registry.js'
import { createPolicyRegistry } from '../../../engine/activation/policy-registry.js'
import { readBundleArchive } from '../../../engine/bundle/bundle-files.js'
import { type Bundle, loadBundle } from '../../../engine/bundle/load-bundle.js'
import { createPolicySet, type PolicySet } from '../../../engine/policy/policy-set.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { buildUnrestricted, type Files, readArchive, reloadVersion } from './support/bundle-kit.js'

const input = new TextEncoder().encode('{}')

function versionOf(set: PolicySet | undefined): string {
  const outcome = set?.evaluateEntrypoint('reload/version', input)
  if (outcome === undefined || !outcome.defined) throw new Error('reload/version is undefined')
  return JSON.parse(outcome.json) as string
}

describe('bundle registry', () => {
  let base: Files
  let version: (n: number) => Promise<Bundle>
  let teamB: Bundle
  let unsupported: Bundle

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
    version = async (n) => loadBundle('reload', await readBundleArchive(reloadVersion(base, n)))
    teamB = loadBundle('team-b', await readArchive(await buildFixture('team-b')))
    unsupported = loadBundle('unsupported', await readArchive(await buildUnrestricted('unsupported-builtin')))
  })

  it('swaps in a new set only once it is built, and leaves a decision in flight on the set it started with', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    expect(await bundles.apply([{ name: 'reload', bundle: await version(1) }])).toEqual([
      { name: 'reload', ok: true, revision: 'v1' },
    ])
    const inFlight = registry.current()
    await bundles.apply([{ name: 'reload', bundle: await version(2) }])
    expect(versionOf(registry.current())).toBe('2')
    expect(versionOf(inFlight)).toBe('1')
    expect(registry.activatedAt()).toBeTypeOf('number')
  })

  it('keeps the last good set when a change fails, and reports why', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    await bundles.apply([{ name: 'reload', bundle: await version(1) }])
    const teamA = loadBundle('team-a', await readArchive(await buildFixture('team-a')))
    await bundles.apply([{ name: 'team-a', bundle: teamA }])
    const good = registry.current()
    const overlapping = loadBundle('rival', await readArchive(await buildFixture('overlap')))
    const [outcome] = await bundles.apply([{ name: 'rival', bundle: overlapping }])
    expect(outcome?.ok).toBe(false)
    if (outcome?.ok === false) {
      expect(outcome.error.code).toBe('bundle_error')
      expect(outcome.error.message).toContain('overlapping roots')
    }
    expect(registry.current()).toBe(good)
    expect(bundles.names()).toEqual(['reload', 'team-a'])
  })

  it('refuses a bundle whose entrypoint calls a builtin the host does not implement', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    await bundles.apply([{ name: 'reload', bundle: await version(1) }])
    const [outcome] = await bundles.apply([{ name: 'unsupported', bundle: unsupported }])
    expect(outcome?.ok).toBe(false)
    if (outcome?.ok === false) expect(outcome.error.message).toMatch(/cannot run: .*not implemented/)
    expect(bundles.names()).toEqual(['reload'])
  })

  it('refuses it also when the package evaluation stops on an ordinary error before reaching that rule', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    await bundles.apply([{ name: 'reload', bundle: await version(1) }])
    const hidden = loadBundle(
      'unsupported',
      await readArchive(await buildUnrestricted('unsupported-after-error')),
    )
    const [outcome] = await bundles.apply([{ name: 'unsupported', bundle: hidden }])
    expect(outcome?.ok).toBe(false)
    if (outcome?.ok === false) {
      expect(outcome.error.message).toMatch(
        /entrypoint "unsupported\/z_answer" cannot run: .*not implemented/,
      )
    }
    expect(bundles.names()).toEqual(['reload'])
  })

  it('activates the good bundles of a batch when one of them is bad', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    const outcomes = await bundles.apply([
      { name: 'reload', bundle: await version(3) },
      { name: 'unsupported', bundle: unsupported },
      { name: 'team-b', bundle: teamB },
    ])
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['reload', true],
      ['unsupported', false],
      ['team-b', true],
    ])
    expect(registry.current()?.revisions).toEqual({ reload: 'v3', 'team-b': 'rev-team-b' })
  })

  it('builds a whole batch into one set with one swap', async () => {
    const registry = createPolicyRegistry()
    let swaps = 0
    registry.onActivate(() => swaps++)
    const bundles = createBundleRegistry({ registry })
    await bundles.apply([
      { name: 'reload', bundle: await version(1) },
      { name: 'team-b', bundle: teamB },
    ])
    expect(swaps).toBe(1)
  })

  it("keeps an unchanged bundle's data across rebuilds, read back from the active set", async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry, retireAfterMs: 0 })
    await bundles.apply([
      { name: 'reload', bundle: await version(1) },
      { name: 'team-b', bundle: teamB },
    ])
    const limits = structuredClone(teamB.data)
    for (const n of [2, 3, 4]) await bundles.apply([{ name: 'reload', bundle: await version(n) }])
    expect(versionOf(registry.current())).toBe('4')
    expect(bundles.get('team-b')?.data).toEqual(limits)
    const outcome = await registry.current()?.evaluate('team_b/limits', input)
    expect(outcome).toEqual({
      defined: true,
      json: JSON.stringify((limits as { team_b: { limits: unknown } }).team_b.limits),
    })
  })

  it('deactivates a bundle by building the set without it', async () => {
    const registry = createPolicyRegistry()
    const bundles = createBundleRegistry({ registry })
    await bundles.apply([
      { name: 'reload', bundle: await version(1) },
      { name: 'team-b', bundle: teamB },
    ])
    await bundles.apply([{ name: 'team-b', bundle: undefined }])
    expect(registry.current()?.revisions).toEqual({ reload: 'v1' })
  })

  it('applies changes one batch at a time, in the order they were asked for', async () => {
    const registry = createPolicyRegistry()
    const order: string[] = []
    let running = 0
    const bundles = createBundleRegistry({
      registry,
      build: async (list, options) => {
        running++
        expect(running).toBe(1)
        await new Promise((resolve) => setTimeout(resolve, 5))
        order.push(list.map((b) => b.manifest.revision).join(','))
        running--
        return createPolicySet(list, options)
      },
    })
    const [one, two, three] = await Promise.all([version(1), version(2), version(3)])
    await Promise.all([
      bundles.apply([{ name: 'reload', bundle: one }]),
      bundles.apply([{ name: 'reload', bundle: two }]),
      bundles.apply([{ name: 'reload', bundle: three }]),
    ])
    expect(order).toEqual(['v1', 'v2', 'v3'])
    expect(versionOf(registry.current())).toBe('3')
  })
})
