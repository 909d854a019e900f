// Large bundle data is parsed, placed and checked on a worker thread: the bundle it gives is the one loadBundle
// gives (its data as JSON bytes in shared memory, parsed only if read), with the same refusals, and a policy set
// of it alone is loaded from those bytes.
import { describe, expect, it } from 'vitest'
import { loadBundleOffThread } from '../../../engine/bundle/data-off-thread.js'
import { loadBundle } from '../../../engine/bundle/load-bundle.js'
import { ClearanceError } from '../../../engine/errors.js'
import { createPolicySet } from '../../../engine/policy/index.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { readArchive } from '../activation/support/bundle-kit.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const files = (entries: Record<string, string>): Map<string, Uint8Array> =>
  new Map(Object.entries(entries).map(([path, text]) => [path, bytes(text)]))

/** The message loadBundle refuses `entries` with. */
function inlineRefusal(entries: Record<string, string>): string {
  try {
    loadBundle('shop', files(entries))
  } catch (thrown) {
    return (thrown as Error).message
  }
  throw new Error('expected loadBundle to refuse the bundle')
}

describe('loadBundleOffThread', () => {
  it('builds the data document loadBundle builds, as JSON bytes in shared memory', async () => {
    const entries = {
      '/.manifest': '{"revision":"abc","roots":["shop"]}',
      '/shop/services/data.json': '{"orders":{"zone":"internal","big":12345678901234567890}}',
      '/shop/data.yaml': 'zones:\n  internal: {}\n',
    }
    const bundle = await loadBundleOffThread('shop', files(entries), 0)
    expect(bundle.dataJson?.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(bundle.manifest.revision).toBe('abc')
    expect(bundle.data).toEqual(loadBundle('shop', files(entries)).data)
    expect(Buffer.from(bundle.dataJson!).toString('utf8')).toContain('12345678901234567890')
  })

  it('hands data files in buffers of their own to the worker without copying them, and still counts their size', async () => {
    const entries = {
      '/.manifest': '{"revision":"abc","roots":["shop"]}',
      '/shop/data.json': '{"orders":{"zone":"internal"}}',
    }
    const own = files(entries)
    const sizeBytes = [...own.values()].reduce((sum, b) => sum + b.byteLength, 0)
    // a view into a larger buffer is not the file's own: it goes over as a copy and stays readable here
    const pooled = Buffer.from(`xx${entries['/shop/data.json']}`).subarray(2)
    const viewed = new Map(
      [...files(entries)].map(([path, b]) => [path, path.endsWith('.json') ? pooled : b]),
    )
    const handed = await loadBundleOffThread('shop', own, 0)
    const copied = await loadBundleOffThread('shop', viewed, 0)
    expect(own.get('/shop/data.json')!.byteLength).toBe(0)
    expect(viewed.get('/shop/data.json')!.byteLength).toBe(entries['/shop/data.json'].length)
    expect(handed.sizeBytes).toBe(sizeBytes)
    expect(copied.sizeBytes).toBe(sizeBytes)
    expect(handed.data).toEqual(loadBundle('shop', files(entries)).data)
    expect(copied.data).toEqual(handed.data)
  })

  it('parses on the serving thread below the threshold', async () => {
    const bundle = await loadBundleOffThread('shop', files({ '/data.json': '{"a":1}' }))
    expect(bundle.dataJson).toBeUndefined()
    expect(bundle.data).toEqual({ a: 1 })
  })

  it.each([
    ['invalid JSON', { '/data.json': '{"a":' }],
    ['a collision', { '/data.json': '{"a":{"b":1}}', '/a/b/data.json': '{"c":2}' }],
    ['data outside the roots', { '/.manifest': '{"roots":["shop"]}', '/other/data.json': '{"x":1}' }],
    ['nesting past the depth limit', { '/data.json': `{"a":${'['.repeat(600)}${']'.repeat(600)}}` }],
  ])('refuses %s with the message loadBundle gives', async (_what, entries) => {
    const refused = loadBundleOffThread('shop', files(entries), 0)
    await expect(refused).rejects.toBeInstanceOf(ClearanceError)
    await expect(refused).rejects.toMatchObject({ code: 'bundle_error', message: inlineRefusal(entries) })
  })

  it('gives a policy set that evaluates over the bytes as they are', async () => {
    const archive = await readArchive(await buildFixture('basic'))
    const bundle = await loadBundleOffThread('basic', archive, 0)
    expect(bundle.dataJson).toBeDefined()
    const set = await createPolicySet([bundle], { evaluationTimeoutMs: 5000 })
    const inline = await createPolicySet([loadBundle('basic', archive)])
    try {
      expect(set.dataSize).toBe(bundle.dataJson!.byteLength)
      expect(set.dataDocument()).toEqual(inline.dataDocument())
      const input = bytes('{"user":"alice"}')
      expect(await set.evaluate('example/authz/allow', input)).toEqual(
        await inline.evaluate('example/authz/allow', input),
      )
    } finally {
      set.close()
      inline.close()
    }
  })
})
