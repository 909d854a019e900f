import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workerScriptUrl } from '../../engine/worker-script.js'

describe('worker script', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearance-worker-script-'))
    await writeFile(join(dir, 'bundled-worker.js'), '')
    await writeFile(join(dir, 'bundled-worker.bundle.js'), '')
    await writeFile(join(dir, 'plain-worker.js'), '')
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  const moduleUrl = (file: string): string => pathToFileURL(join(dir, file)).href

  it('starts the bundle the build made beside compiled JavaScript', () => {
    expect(workerScriptUrl('./bundled-worker', moduleUrl('caller.js')).href).toBe(
      moduleUrl('bundled-worker.bundle.js'),
    )
  })

  it('starts the compiled script when there is no bundle, and the source under TypeScript', () => {
    expect(workerScriptUrl('./plain-worker', moduleUrl('caller.js')).href).toBe(moduleUrl('plain-worker.js'))
    expect(workerScriptUrl('./bundled-worker', moduleUrl('caller.ts')).href).toBe(
      moduleUrl('bundled-worker.ts'),
    )
  })
})
