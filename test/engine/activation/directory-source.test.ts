import { execFile } from 'node:child_process'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDirectorySource } from '../../../engine/activation/directory-source.js'
import type { WatchHandlers } from '../../../engine/activation/file-watcher.js'
import type { BundleOffer, BundleSink } from '../../../engine/activation/source.js'
import { buildFixture } from '../../helpers/fixtures.js'
import {
  eventually,
  type Files,
  filesOf,
  readArchive,
  reloadVersion,
  writeBundle,
} from './support/bundle-kit.js'
import { freshDir, type Managed, managerFor, reloadVersionOf, unpack } from './support/manager-kit.js'
import { createManualClock } from './support/manual-clock.js'

describe('directory source', () => {
  let base: Files
  let teamB: Buffer
  const running: Managed[] = []
  const start = async (managed: Managed): Promise<Managed> => {
    running.push(managed)
    await managed.manager.start()
    return managed
  }

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
    const { readFile } = await import('node:fs/promises')
    teamB = await readFile(await buildFixture('team-b'))
  })

  afterEach(async () => {
    for (const { manager } of running.splice(0)) await manager.stop()
  })

  describe('a single .tar.gz', () => {
    it('activates it at start and reloads it after an atomic rename onto it', async () => {
      const file = join(await freshDir('single'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { manager, registry } = await start(managerFor({ specs: [{ name: 'reload', path: file }] }))
      expect(reloadVersionOf(registry.current())).toBe('1')
      expect(manager.ready()).toBe(true)
      await writeBundle(file, reloadVersion(base, 2), 'rename')
      await eventually(() => reloadVersionOf(registry.current()) === '2', 5000, 'version 2')
      expect(manager.status().bundles.reload?.active_revision).toBe('v2')
    })

    it('reloads it after an in-place rewrite', async () => {
      const file = join(await freshDir('in-place'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { registry } = await start(managerFor({ specs: [{ name: 'reload', path: file }] }))
      await writeBundle(file, reloadVersion(base, 2), 'in-place')
      await eventually(() => reloadVersionOf(registry.current()) === '2', 5000, 'version 2')
    })

    it('picks up an in-place write that lands just after a rename, which the watcher itself misses', async () => {
      const file = join(await freshDir('rename-then-write'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { registry } = await start(managerFor({ specs: [{ name: 'reload', path: file }] }))
      await writeBundle(file, reloadVersion(base, 2), 'rename')
      await new Promise((resolve) => setTimeout(resolve, 10))
      await writeBundle(file, reloadVersion(base, 3), 'in-place')
      await eventually(() => reloadVersionOf(registry.current()) === '3', 5000, 'version 3')
    })

    it('drops it when the file is deleted, and loads it again when it comes back', async () => {
      const file = join(await freshDir('deleted'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { manager, registry } = await start(managerFor({ specs: [{ name: 'reload', path: file }] }))
      await rm(file)
      await eventually(() => registry.current()?.revisions.reload === undefined, 5000, 'deactivation')
      expect(manager.ready()).toBe(false)
      await writeFile(file, reloadVersion(base, 1))
      await eventually(() => reloadVersionOf(registry.current()) === '1', 5000, 'reactivation')
    })

    it('keeps serving a deleted bundle when configured to keep it', async () => {
      const file = join(await freshDir('kept'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { manager, registry } = await start(
        managerFor({ specs: [{ name: 'reload', path: file, onDelete: 'keep' }] }),
      )
      await rm(file)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(reloadVersionOf(registry.current())).toBe('1')
      expect(manager.ready()).toBe(true)
    })

    it('loads once and does not watch when watching is off', async () => {
      const file = join(await freshDir('unwatched'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const { registry } = await start(managerFor({ specs: [{ name: 'reload', path: file }], watch: false }))
      await writeBundle(file, reloadVersion(base, 2), 'rename')
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(reloadVersionOf(registry.current())).toBe('1')
    })
  })

  describe('an unpacked bundle folder', () => {
    it('is one bundle when it holds a .manifest, and reloads when a file in it changes', async () => {
      const dir = await freshDir('unpacked')
      await unpack(await filesOf(reloadVersion(base, 1)), dir)
      const { registry } = await start(managerFor({ specs: [{ name: 'reload', path: dir }] }))
      expect(reloadVersionOf(registry.current())).toBe('1')
      await writeFile(
        join(dir, 'data.json'),
        JSON.stringify({ reload: { meta: { version: '2', admin: 'alice' } } }),
      )
      await eventually(() => reloadVersionOf(registry.current()) === '2', 5000, 'version 2')
    })
  })

  describe('a folder of bundles', () => {
    it('serves each .tar.gz and sub-folder as the bundle named after it, and follows additions and removals', async () => {
      const dir = await freshDir('many')
      await writeFile(join(dir, 'reload.tar.gz'), reloadVersion(base, 1))
      await writeFile(join(dir, 'notes.txt'), 'ignored')
      await writeFile(join(dir, '.partial.tar.gz'), 'ignored: hidden')
      const { manager, registry } = await start(managerFor({ specs: [{ name: 'policies', path: dir }] }))
      expect(registry.current()?.revisions).toEqual({ reload: 'v1' })
      expect(manager.status().sources).toEqual({ policies: { kind: 'path', state: 'ok' } })

      await writeBundle(join(dir, 'team-b.tar.gz'), teamB, 'rename')
      await eventually(() => registry.current()?.revisions['team-b'], 5000, 'team-b added')
      await rm(join(dir, 'reload.tar.gz'))
      await eventually(() => registry.current()?.revisions.reload === undefined, 5000, 'reload removed')
      expect(Object.keys(manager.status().bundles)).toEqual(['team-b'])

      const unpacked = join(dir, 'reload')
      await mkdir(unpacked)
      await unpack(await filesOf(reloadVersion(base, 3)), unpacked)
      await eventually(() => reloadVersionOf(registry.current()) === '3', 5000, 'unpacked reload added')
    })

    it('refuses an entry that links outside the folder, and one that is not a regular file', async () => {
      const dir = await freshDir('hostile')
      const outside = join(await freshDir('outside'), 'elsewhere.tar.gz')
      await writeFile(outside, reloadVersion(base, 1))
      await writeFile(join(dir, 'team-b.tar.gz'), teamB)
      await symlink(outside, join(dir, 'escape.tar.gz'))
      await promisify(execFile)('mkfifo', [join(dir, 'pipe.tar.gz')])
      const { manager, registry } = managerFor({
        specs: [{ name: 'policies', path: dir }],
        strict: false,
      })
      running.push({ manager, registry })
      await manager.start()
      const bundles = manager.status().bundles
      expect(bundles.escape?.message).toContain('outside the watched folder')
      expect(bundles.pipe?.message).toContain('not a regular file')
      expect(registry.current()?.revisions).toEqual({ 'team-b': 'rev-team-b' })
    })

    it('follows links that stay inside the folder, as Kubernetes mounts them', async () => {
      const dir = await freshDir('k8s')
      await mkdir(join(dir, '..2025_01_01'))
      await writeFile(join(dir, '..2025_01_01', 'reload.tar.gz'), reloadVersion(base, 1))
      await symlink('..2025_01_01', join(dir, '..data'))
      await symlink(join('..data', 'reload.tar.gz'), join(dir, 'reload.tar.gz'))
      const { registry } = await start(managerFor({ specs: [{ name: 'policies', path: dir }] }))
      expect(reloadVersionOf(registry.current())).toBe('1')
    })
  })

  describe('batching', () => {
    it('reads only once events have been quiet for the whole cool-down', async () => {
      const clock = createManualClock()
      const file = join(await freshDir('batch'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      let handlers: WatchHandlers | undefined
      const offers: BundleOffer[][] = []
      const sink: BundleSink = {
        claim: () => true,
        offer: async (batch) => {
          offers.push([...batch])
          return batch.map(() => ({ ok: true, revision: 'r' }))
        },
        fail: () => {},
        withdraw: async () => {},
        requested: () => {},
        requestSucceeded: () => {},
        downloaded: () => {},
        confirmed: () => {},
      }
      const source = createDirectorySource({
        name: 'reload',
        path: file,
        sink,
        clock,
        cooldownMs: 100,
        watcher: async (_target, given) => {
          handlers = given
          return { close: async () => {} }
        },
      })
      await source.start()
      expect(offers.flat()).toHaveLength(1)
      await writeFile(file, reloadVersion(base, 2))
      handlers?.onChange(file)
      await clock.advance(80)
      handlers?.onChange(file)
      await clock.advance(80)
      expect(offers.flat()).toHaveLength(1)
      await clock.advance(20)
      await source.settled()
      expect(offers.flat()).toHaveLength(2)
      // The same bytes again are not offered a second time.
      handlers?.onChange(file)
      await clock.advance(100)
      await source.settled()
      expect(offers.flat()).toHaveLength(2)
      await source.stop()
    })

    it('finds a change no event reported at the next periodic resync, reading only what changed', async () => {
      const clock = createManualClock()
      const file = join(await freshDir('resync'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const offered: string[] = []
      const sink: BundleSink = {
        claim: () => true,
        offer: async (batch) => {
          offered.push(...batch.map((offer) => offer.name))
          return batch.map(() => ({ ok: true, revision: 'r' }))
        },
        fail: () => {},
        withdraw: async () => {},
        requested: () => {},
        requestSucceeded: () => {},
        downloaded: () => {},
        confirmed: () => {},
      }
      const source = createDirectorySource({
        name: 'reload',
        path: file,
        sink,
        clock,
        resyncMs: 1000,
        watcher: async () => ({ close: async () => {} }),
      })
      await source.start()
      await clock.advance(1000)
      await source.settled()
      expect(offered).toHaveLength(1)
      await writeFile(file, reloadVersion(base, 2))
      await clock.advance(1000)
      await source.settled()
      expect(offered).toHaveLength(2)
      await source.stop()
    })
  })
})
