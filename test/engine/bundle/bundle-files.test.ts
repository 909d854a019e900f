import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  readBundleArchive,
  readBundleDirectory,
  readBundleFiles,
} from '../../../engine/bundle/bundle-files.js'
import { defaultBundleLimits } from '../../../engine/bundle/bundle-limits.js'
import { ClearanceError } from '../../../engine/errors.js'
import { tarBytes, tarGz } from '../../helpers/tar-builder.js'

async function refusal(promise: Promise<unknown>): Promise<ClearanceError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ClearanceError)
  expect((error as ClearanceError).code).toBe('bundle_error')
  return error as ClearanceError
}

describe('readBundleArchive', () => {
  it('reads regular files keyed by their bundle path', async () => {
    const files = await readBundleArchive(
      tarGz([
        { path: '/.manifest', body: '{"revision":"r1"}' },
        { path: 'a/data.json', body: '{"x":1}' },
        { path: 'a/', type: 'Directory' },
      ]),
    )
    expect([...files.keys()].sort()).toEqual(['/.manifest', '/a/data.json'])
    expect(Buffer.from(files.get('/a/data.json')!).toString()).toBe('{"x":1}')
  })

  it('refuses bytes that are not gzip', async () => {
    const error = await refusal(readBundleArchive(tarBytes([{ path: 'data.json', body: '{}' }])))
    expect(error.message).toContain('not gzip')
  })

  it('refuses a truncated archive', async () => {
    const whole = tarGz([{ path: 'data.json', body: 'x'.repeat(5000) }])
    await refusal(readBundleArchive(whole.subarray(0, Math.floor(whole.length / 2))))
  })

  it('refuses path traversal and names the entry', async () => {
    const error = await refusal(readBundleArchive(tarGz([{ path: '../../etc/data.json', body: '{}' }])))
    expect(error.message).toContain('../../etc/data.json')
  })

  it('refuses symbolic links, hard links and devices, naming the entry', async () => {
    for (const type of ['SymbolicLink', 'Link', 'CharacterDevice', 'FIFO'] as const) {
      const error = await refusal(
        readBundleArchive(
          tarGz([
            { path: `evil-${type}`, type, ...(type.endsWith('Link') ? { linkpath: '/etc/passwd' } : {}) },
          ]),
        ),
      )
      expect(error.message).toContain(`evil-${type}`)
    }
  })

  it('refuses a file over the per-file limit, naming it', async () => {
    const limits = { ...defaultBundleLimits, maxFileBytes: 100 }
    const error = await refusal(
      readBundleArchive(tarGz([{ path: 'big/data.json', body: 'x'.repeat(101) }]), limits),
    )
    expect(error.message).toContain('/big/data.json')
  })

  it('refuses an archive that unpacks past the total limit', async () => {
    const limits = { ...defaultBundleLimits, maxUnpackedBytes: 150 }
    const entries = [
      { path: 'a/data.json', body: 'x'.repeat(100) },
      { path: 'b/data.json', body: 'x'.repeat(100) },
    ]
    await refusal(readBundleArchive(tarGz(entries), limits))
  })

  it('refuses a compressed archive over the compressed limit', async () => {
    const limits = { ...defaultBundleLimits, maxCompressedBytes: 10 }
    await refusal(readBundleArchive(tarGz([{ path: 'data.json', body: '{}' }]), limits))
  })

  it('refuses an empty archive', async () => {
    await refusal(readBundleArchive(tarGz([])))
  })
})

describe('readBundleDirectory', () => {
  it('reads a bundle laid out as folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bundle-dir-'))
    await mkdir(join(dir, 'a', 'b'), { recursive: true })
    await writeFile(join(dir, 'a', 'b', 'data.json'), '{"y":2}')
    await writeFile(join(dir, '.manifest'), '{}')
    const files = await readBundleFiles(dir)
    expect([...files.keys()].sort()).toEqual(['/.manifest', '/a/b/data.json'])
  })

  it('refuses a symbolic link inside the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bundle-dir-'))
    await symlink('/etc/passwd', join(dir, 'data.json'))
    const error = await refusal(readBundleDirectory(dir))
    expect(error.message).toContain('data.json')
  })

  it('reports a missing path as a bundle error', async () => {
    await refusal(readBundleFiles('/nonexistent/bundle.tar.gz'))
  })
})
