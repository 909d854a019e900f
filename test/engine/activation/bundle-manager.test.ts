import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture } from '../../helpers/fixtures.js'
import {
  corruptions,
  eventually,
  type Files,
  readArchive,
  reloadVersion,
  writeBundle,
} from './support/bundle-kit.js'
import { freshDir, type Managed, managerFor, reloadVersionOf } from './support/manager-kit.js'
import { createManualClock } from './support/manual-clock.js'

describe('bundle manager', () => {
  let base: Files
  const running: Managed[] = []
  const track = (managed: Managed): Managed => {
    running.push(managed)
    return managed
  }

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
  })

  afterEach(async () => {
    for (const { manager } of running.splice(0)) await manager.stop()
  })

  it("reports OPA's status shape for every bundle, and readiness once all have activated", async () => {
    const dir = await freshDir('status')
    const file = join(dir, 'reload.tar.gz')
    await writeFile(file, reloadVersion(base, 1))
    const teamB = join(dir, 'team-b.tar.gz')
    await writeFile(teamB, await readFile(await buildFixture('team-b')))
    const { manager } = track(
      managerFor({
        specs: [
          { name: 'reload', path: file },
          { name: 'team-b', path: teamB },
        ],
      }),
    )
    expect(manager.ready()).toBe(false)
    expect(manager.notReadyReason()).toBe('bundles are still loading')
    await manager.start()
    expect(manager.ready()).toBe(true)
    const report = manager.status()
    expect(Object.keys(report.bundles)).toEqual(['reload', 'team-b'])
    expect(report.bundles.reload).toMatchObject({
      name: 'reload',
      active_revision: 'v1',
      type: 'snapshot',
      last_successful_request: '0001-01-01T00:00:00Z',
      metrics: {
        timer_rego_load_bundles_ns: expect.any(Number),
        timer_bundle_activate_ns: expect.any(Number),
      },
    })
    expect(report.bundles.reload?.size).toBeGreaterThan(0)
    expect(Date.parse(report.bundles.reload!.last_successful_activation)).toBeGreaterThan(0)
    expect(report.plugins).toEqual({ bundle: { state: 'OK' } })
    expect(report.sources).toEqual({
      reload: { kind: 'path', state: 'ok' },
      'team-b': { kind: 'path', state: 'ok' },
    })
  })

  it('fails start-up when a local bundle cannot be loaded, as serving always has', async () => {
    const file = join(await freshDir('strict'), 'reload.tar.gz')
    await writeFile(file, corruptions['not gzip']())
    const { manager } = managerFor({ specs: [{ name: 'reload', path: file }] })
    await expect(manager.start()).rejects.toMatchObject({
      code: 'bundle_error',
      message: expect.stringContaining('not gzip-compressed'),
    })
  })

  it('fails start-up when a bundle path does not exist', async () => {
    const { manager } = managerFor({ specs: [{ name: 'reload', path: '/nonexistent/reload.tar.gz' }] })
    await expect(manager.start()).rejects.toMatchObject({ code: 'bundle_error' })
  })

  it('starts unready instead when not strict, and becomes ready when a good bundle arrives', async () => {
    const file = join(await freshDir('lenient'), 'reload.tar.gz')
    await writeFile(file, corruptions['not gzip']())
    const { manager, registry } = track(
      managerFor({ specs: [{ name: 'reload', path: file }], strict: false }),
    )
    await manager.start()
    expect(manager.ready()).toBe(false)
    expect(manager.status().plugins.bundle).toMatchObject({ state: 'NOT_READY' })
    await writeBundle(file, reloadVersion(base, 1), 'rename')
    await eventually(() => manager.ready(), 5000, 'readiness')
    expect(reloadVersionOf(registry.current())).toBe('1')
  })

  it('refuses two sources under one name', () => {
    expect(() =>
      managerFor({
        specs: [
          { name: 'x', path: '/a' },
          { name: 'x', path: '/b' },
        ],
      }),
    ).toThrow(/two are named "x"/)
  })

  it('keeps the first of two folders that both provide a bundle of the same name', async () => {
    const first = await freshDir('first')
    const second = await freshDir('second')
    await writeFile(join(first, 'reload.tar.gz'), reloadVersion(base, 1))
    await writeFile(join(second, 'reload.tar.gz'), reloadVersion(base, 2))
    const { manager, registry } = track(
      managerFor({
        specs: [
          { name: 'first', path: first },
          { name: 'second', path: second },
        ],
        strict: false,
      }),
    )
    await manager.start()
    expect(registry.current()?.revisions).toEqual({ reload: 'v1' })
    expect(manager.status().sources.second?.state).toBe('not_ready')
  })

  it('does not count a watched bundle stale for not changing', async () => {
    const clock = createManualClock(Date.now())
    const file = join(await freshDir('fresh'), 'reload.tar.gz')
    await writeFile(file, reloadVersion(base, 1))
    const { manager } = track(
      managerFor({ specs: [{ name: 'reload', path: file }], clock, maxAgeMs: 60_000, watch: false }),
    )
    await manager.start()
    await clock.advance(120_000)
    expect(manager.staleReason()).toBeUndefined()
    expect(manager.staleBundles()).toEqual([])
  })

  it('fails decisions closed once a watched bundle has kept failing to update for longer than its max age', async () => {
    const clock = createManualClock(Date.now())
    const file = join(await freshDir('stale'), 'reload.tar.gz')
    await writeFile(file, reloadVersion(base, 1))
    const { manager } = track(
      managerFor({ specs: [{ name: 'reload', path: file }], clock, maxAgeMs: 60_000 }),
    )
    await manager.start()
    await writeBundle(file, corruptions['not gzip'](), 'rename')
    await eventually(() => clock.pending() > 1, 5000, 'the cool-down to start')
    await clock.advance(30)
    await eventually(() => manager.status().bundles.reload?.code, 5000, 'the refusal')
    await clock.advance(59_000)
    expect(manager.staleReason()).toBeUndefined()
    await clock.advance(2_000)
    expect(manager.staleBundles()).toEqual(['reload'])
    expect(manager.staleReason()).toMatch(
      /stale policy, every decision is denied: bundle "reload" revision "v1"/,
    )
  })
})
