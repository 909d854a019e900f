// The data document goes into wasm memory from the bytes where they are: a view into a larger buffer or memory
// shared with evaluation threads loads as a buffer of its own does, and text that is not JSON is refused.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { loadWasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { tempDir } from '../../helpers/fixtures.js'

const POLICY = `package echo

# METADATA
# entrypoint: true
document := data.doc
`

describe('loading the data document', () => {
  let wasm: Uint8Array
  const text = encodeJson({ doc: { name: 'ünïcode', list: [1, 2.5, 'x'], nested: { deep: true } } })
  const expected = [{ result: { list: [1, 2.5, 'x'], name: 'ünïcode', nested: { deep: true } } }]

  const evaluate = async (data: Uint8Array): Promise<unknown> => {
    const policy = await loadWasmPolicy(wasm, data)
    return JSON.parse(policy.evaluate(policy.entrypoints.get('echo/document')!, undefined))
  }

  beforeAll(async () => {
    const source = await mkdtemp(join(await tempDir(), 'echo-'))
    await mkdir(join(source, 'echo'))
    await writeFile(join(source, 'echo', 'echo.rego'), POLICY)
    const output = join(source, 'echo.tar.gz')
    await buildBundle({ source, output, revision: 'rev-echo' })
    wasm = (await loadBundleFromPath('echo', output)).modules[0]!.bytes
  }, 60_000)

  it('loads a document of its own buffer', async () => {
    expect(await evaluate(text)).toEqual(expected)
  })

  it('loads a document that is a view into a larger buffer, reading only the view', async () => {
    const larger = new Uint8Array(text.byteLength + 20).fill(0x5d)
    larger.set(text, 10)
    expect(await evaluate(larger.subarray(10, 10 + text.byteLength))).toEqual(expected)
  })

  it('loads a document in memory shared with other threads', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(text.byteLength))
    shared.set(text)
    expect(await evaluate(shared)).toEqual(expected)
  })

  it('refuses text that is not JSON with bundle_error', async () => {
    const error = await evaluate(new TextEncoder().encode('{"doc": ')).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('bundle_error')
    expect((error as ClearanceError).message).toMatch(/could not be loaded/)
  })
})
