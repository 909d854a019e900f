// Bundles built to exhaust the server: compression bombs, one huge value, deep nesting, many files. Each is
// refused with a bundle_error naming the limit, before it is unpacked or parsed in full, and decompression never
// blocks the event loop for long. Limits are the defaults unless a test says otherwise, and every bomb here stays
// within a few hundred MiB of the test process's memory.
import { describe, expect, it } from 'vitest'
import { readBundleArchive } from '../../../engine/bundle/bundle-files.js'
import {
  bundleLimitsForMemory,
  dataBytesFor,
  defaultBundleLimits,
} from '../../../engine/bundle/bundle-limits.js'
import { loadBundle } from '../../../engine/bundle/load-bundle.js'
import { gzipBomb, longestBlock } from '../../helpers/bundle-bombs.js'
import { tarGz } from '../../helpers/tar-builder.js'

const MiB = 1024 * 1024

describe('bundle bombs', () => {
  it('refuses a compression bomb at the ratio limit, long before the unpacked limit', async () => {
    // 256 MiB of one byte in a non-data file: within every size limit, unpacking at ~1000×.
    const bomb = await gzipBomb([{ path: '/assets/blob.bin', size: 256 * MiB }])
    expect(bomb.byteLength).toBeLessThan(2 * MiB)
    const { result, blockedMs } = await longestBlock(() =>
      readBundleArchive(bomb).then(
        () => undefined,
        (thrown: unknown) => thrown,
      ),
    )
    expect(result).toMatchObject({
      code: 'bundle_error',
      message: expect.stringContaining('compression bomb'),
    })
    const refusedAt = Number(/refused at (\d+) bytes/.exec((result as Error).message)![1])
    expect(refusedAt).toBeLessThan(defaultBundleLimits.ratioFloorBytes! + 2 * MiB)
    // Decompression runs on zlib's pool in 64 KiB chunks; the serving thread is never held for long at once.
    expect(blockedMs).toBeLessThan(100)
  })

  it('refuses an archive past the unpacked limit while it streams, without unpacking the rest', async () => {
    const bomb = await gzipBomb([{ path: '/assets/blob.bin', size: 64 * MiB }])
    const limits = {
      ...defaultBundleLimits,
      maxUnpackedBytes: 8 * MiB,
      maxFileBytes: 512 * MiB,
      maxCompressionRatio: Infinity,
    }
    await expect(readBundleArchive(bomb, limits)).rejects.toMatchObject({
      code: 'bundle_error',
      message: expect.stringContaining('more than 8388608 bytes'),
    })
  })

  it('refuses one huge data value by its header under the default memory budget, before reading it', async () => {
    // A 300 MB data.json of one repeated character (the archive ends after 1 MiB: the header alone must refuse it).
    const bomb = await gzipBomb([
      { path: '/data.json', size: 300_000_000, prefix: '{"a":"', suffix: '"}', written: MiB },
    ])
    await expect(readBundleArchive(bomb)).rejects.toMatchObject({
      code: 'bundle_error',
      message: expect.stringMatching(/over the \d+-byte data limit/),
    })
  })

  it('derives the data limit from --max-bundle-memory', async () => {
    const data = await gzipBomb([{ path: '/data.json', size: 6 * MiB, prefix: '{"a":"', suffix: '"}' }])
    const roomy = { ...bundleLimitsForMemory(512 * MiB), maxCompressionRatio: Infinity }
    const tight = { ...bundleLimitsForMemory(128 * MiB), maxCompressionRatio: Infinity }
    expect(dataBytesFor(128 * MiB)).toBeLessThan(6 * MiB)
    expect((await readBundleArchive(data, roomy)).get('/data.json')?.byteLength).toBe(6 * MiB)
    await expect(readBundleArchive(data, tight)).rejects.toMatchObject({
      message: expect.stringContaining(`over the ${dataBytesFor(128 * MiB)}-byte data limit`),
    })
  })

  it('counts every data file of a bundle against the data limit', async () => {
    // A 1 MiB data limit; three files of 400 KiB pass it at the third.
    const limits = { ...defaultBundleLimits, maxDataBytes: MiB, maxCompressionRatio: Infinity }
    const files = Array.from({ length: 3 }, (_, i) => ({
      path: `/part${i}/data.json`,
      size: 400 * 1024,
      prefix: '{"a":"',
      suffix: '"}',
    }))
    await expect(readBundleArchive(await gzipBomb(files), limits)).rejects.toMatchObject({
      message: expect.stringContaining('at "/part2/data.json"'),
    })
  })

  it('refuses data nested past the depth limit before parsing it', async () => {
    const depth = 100_000
    const archive = tarGz([
      { path: '/.manifest', body: '{"revision":"deep","roots":[""]}' },
      { path: '/data.json', body: `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}` },
    ])
    const files = await readBundleArchive(archive)
    expect(() => loadBundle('deep', files)).toThrow(/deeper than the limit of 512/)
  })

  it('refuses a bundle of more files than the limit', async () => {
    const entries = Array.from({ length: 10_001 }, (_, i) => ({ path: `/f/${i}.txt`, body: 'x' }))
    await expect(readBundleArchive(tarGz(entries))).rejects.toMatchObject({
      message: expect.stringContaining('more than 10000 files'),
    })
  })
})
