import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBundleStore } from '../../../engine/activation/bundle-store.js'
import { freshDir } from './support/manager-kit.js'

describe('bundle store', () => {
  it('keeps the last bundle and its ETag under the persist folder', async () => {
    const dir = await freshDir('store')
    const store = createBundleStore({ dir, maxBytes: 1024 })
    expect(await store.load('authz')).toBeUndefined()
    await store.save('authz', Buffer.from('first'), '"e1"')
    await store.save('authz', Buffer.from('second'), '"e2"')
    const loaded = await store.load('authz')
    expect(Buffer.from(loaded!.bytes).toString()).toBe('second')
    expect(loaded?.etag).toBe('"e2"')
    expect(await readdir(join(dir, 'bundles', 'authz'))).toEqual(['bundle.tar.gz', 'meta.json'])
  })

  it('forgets the ETag when it does not belong to the bytes on disk', async () => {
    const dir = await freshDir('store-torn')
    const store = createBundleStore({ dir, maxBytes: 1024 })
    await store.save('authz', Buffer.from('first'), '"e1"')
    await writeFile(join(dir, 'bundles', 'authz', 'bundle.tar.gz'), 'second, written without its meta')
    expect((await store.load('authz'))?.etag).toBe('')
  })

  it('keeps every name inside its own folder, and ignores a file over the size limit', async () => {
    const dir = await freshDir('store-names')
    const store = createBundleStore({ dir, maxBytes: 4 })
    await store.save('..', Buffer.from('ab'), '')
    await store.save('a/b', Buffer.from('abcdef'), '')
    expect((await readdir(join(dir, 'bundles'))).sort()).toEqual(['%2E%2E', 'a%2Fb'])
    expect(await store.load('a/b')).toBeUndefined()
  })
})
