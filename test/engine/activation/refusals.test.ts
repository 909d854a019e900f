// Every kind of bad bundle written over a good one: the good one keeps serving, the status says why.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultBundleLimits } from '../../../engine/bundle/bundle-limits.js'
import type { VerificationConfig } from '../../../engine/bundle/verification-config.js'
import { gzipBomb } from '../../helpers/bundle-bombs.js'
import { buildFixture } from '../../helpers/fixtures.js'
import {
  buildSignedFixture,
  corruptions,
  eventually,
  type Files,
  filesOf,
  pack,
  readArchive,
  reloadVersion,
  signingKeys,
  writeBundle,
} from './support/bundle-kit.js'
import { freshDir, type Managed, managerFor, reloadVersionOf } from './support/manager-kit.js'

describe('refused bundles', () => {
  let base: Files
  const running: Managed[] = []

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
  })

  afterEach(async () => {
    for (const { manager } of running.splice(0)) await manager.stop()
  })

  /** Serves version 1 from a watched file, writes `bad` over it, and returns the status message once refused. */
  async function refuse(
    bad: Uint8Array,
    options: { good?: Uint8Array; verification?: VerificationConfig; limits?: object } = {},
  ): Promise<string> {
    const file = join(await freshDir('refusal'), 'reload.tar.gz')
    await writeFile(file, options.good ?? reloadVersion(base, 1))
    const managed = managerFor({
      specs: [{ name: 'reload', path: file }],
      verification: options.verification,
      ...(options.limits === undefined ? {} : { limits: options.limits as never }),
    })
    running.push(managed)
    await managed.manager.start()
    const active = managed.registry.current()
    expect(active?.revisions.reload).toBeDefined()
    await writeBundle(file, bad, 'rename')
    const message = await eventually(
      () => managed.manager.status().bundles.reload?.message,
      5000,
      'a refusal',
    )
    expect(managed.registry.current()).toBe(active)
    expect(managed.manager.status().bundles.reload).toMatchObject({
      code: 'bundle_error',
      active_revision: active?.revisions.reload,
    })
    return message
  }

  const good = (): Buffer => reloadVersion(base, 2)

  it('a truncated archive', async () => {
    expect(await refuse(corruptions.truncated(good()))).toMatch(/tar|truncated|decompressed|unexpected end/i)
  })

  it('bytes that are not gzip', async () => {
    expect(await refuse(corruptions['not gzip']())).toContain('not gzip-compressed')
  })

  it('a policy.wasm that is not a wasm module', async () => {
    expect(await refuse(corruptions['invalid wasm'](good(), base))).toContain('not a usable OPA wasm module')
  })

  it('data outside the manifest roots', async () => {
    expect(await refuse(corruptions['data outside the roots'](good(), base))).toContain(
      'outside the manifest roots',
    )
  })

  it('a path traversal entry', async () => {
    expect(await refuse(corruptions['traversal entry'](good(), base))).toContain('path traversal')
  })

  it('a symbolic link entry', async () => {
    expect(await refuse(corruptions['symlink entry'](good(), base))).toContain('SymbolicLink')
  })

  it('a file over the size limit', async () => {
    const files = new Map(base)
    files.set('/reload/big/data.json', Buffer.from(JSON.stringify({ pad: 'x'.repeat(300_000) })))
    const limits = {
      maxCompressedBytes: 1 << 24,
      maxUnpackedBytes: 1 << 24,
      maxFileBytes: 250_000,
      maxFiles: 100,
    }
    expect(await refuse(pack(files), { limits })).toContain('over the 250000-byte limit')
  })

  it('a compression bomb (64 MiB of one byte in 70 KiB)', async () => {
    const bomb = await gzipBomb([{ path: '/reload/blob.bin', size: 64 * 1024 * 1024 }])
    expect(await refuse(bomb)).toContain('compression bomb')
  })

  it('a data.json over the data limit the memory budget allows', async () => {
    const files = new Map(base)
    files.set('/reload/big/data.json', Buffer.from(JSON.stringify({ pad: 'x'.repeat(300_000) })))
    const limits = { ...defaultBundleLimits, maxDataBytes: 100_000 }
    expect(await refuse(pack(files), { limits })).toContain('over the 100000-byte data limit')
  })

  it('clears the refusal from the status once the good bundle is back', async () => {
    const file = join(await freshDir('recovery'), 'reload.tar.gz')
    const first = reloadVersion(base, 1)
    await writeFile(file, first)
    const managed = managerFor({ specs: [{ name: 'reload', path: file }] })
    running.push(managed)
    await managed.manager.start()
    await writeBundle(file, corruptions['not gzip'](), 'rename')
    await eventually(() => managed.manager.status().bundles.reload?.message, 5000, 'a refusal')
    await writeBundle(file, first, 'rename')
    await eventually(
      () => (managed.manager.status().bundles.reload?.message === undefined ? true : undefined),
      5000,
      'the refusal to clear',
    )
    expect(managed.manager.status().bundles.reload).not.toHaveProperty('code')
    expect(reloadVersionOf(managed.registry.current())).toBe('1')
  })

  it('a bundle whose roots overlap another active bundle', async () => {
    const dir = await freshDir('overlap')
    await writeFile(join(dir, 'team-a.tar.gz'), await readFile(await buildFixture('team-a')))
    const managed = managerFor({ specs: [{ name: 'policies', path: dir }] })
    running.push(managed)
    await managed.manager.start()
    await writeBundle(join(dir, 'overlap.tar.gz'), await readFile(await buildFixture('overlap')), 'rename')
    const message = await eventually(
      () => managed.manager.status().bundles.overlap?.message,
      5000,
      'a refusal',
    )
    expect(message).toContain('overlapping roots')
    expect(managed.registry.current()?.revisions).toEqual({ 'team-a': 'rev-team-a' })
    expect(managed.manager.ready()).toBe(false)
  })

  describe('with verification configured', () => {
    let verification: VerificationConfig
    let signed: Buffer
    let signedFiles: Files
    let otherKeySigned: Buffer

    beforeAll(async () => {
      const keys = await signingKeys('rsa', 'refusals')
      const other = await signingKeys('rsa', 'refusals-other')
      verification = { keys: { default: { algorithm: 'RS256', key: keys.publicPem } } }
      signed = await readFile(
        await buildSignedFixture('reload', 'reload-signed.tar.gz', { key: keys.privateFile }),
      )
      signedFiles = await filesOf(signed)
      otherKeySigned = await readFile(
        await buildSignedFixture('reload', 'reload-other.tar.gz', { key: other.privateFile }),
      )
    })

    it('a stripped signature', async () => {
      const stripped = new Map(signedFiles)
      stripped.delete('/.signatures.json')
      expect(await refuse(pack(stripped), { good: signed, verification })).toContain(
        'bundle missing .signatures.json file',
      )
    })

    it('a signature made with another key', async () => {
      expect(await refuse(otherKeySigned, { good: signed, verification })).toContain(
        'failed to verify JWT signature',
      )
    })

    it('a file modified after signing', async () => {
      const modified = new Map(signedFiles)
      modified.set('/data.json', Buffer.from('{"reload":{"meta":{"version":"evil","admin":"mallory"}}}'))
      expect(await refuse(pack(modified), { good: signed, verification })).toContain(
        'data.json: digest mismatch',
      )
    })

    it('an unsigned bundle at start-up, so the server does not start', async () => {
      const file = join(await freshDir('unsigned'), 'reload.tar.gz')
      await writeFile(file, reloadVersion(base, 1))
      const managed = managerFor({ specs: [{ name: 'reload', path: file }], verification })
      await expect(managed.manager.start()).rejects.toMatchObject({
        code: 'bundle_error',
        message: expect.stringContaining('bundle missing .signatures.json file'),
      })
    })

    it('nothing signed with the right key', async () => {
      const file = join(await freshDir('signed-ok'), 'reload.tar.gz')
      await writeFile(file, signed)
      const managed = managerFor({ specs: [{ name: 'reload', path: file }], verification })
      running.push(managed)
      await managed.manager.start()
      expect(reloadVersionOf(managed.registry.current())).toBe('0')
    })
  })
})
