import { beforeAll, describe, expect, it } from 'vitest'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/evaluator/json-codec.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../engine/evaluator/wasm-policy.js'
import { buildFixture } from '../../helpers/fixtures.js'

describe('wasm policy memory guard', () => {
  let policy: WasmPolicy
  let id: number

  beforeAll(async () => {
    const bundle = await loadBundleFromPath('hog', await buildFixture('memory-hog'))
    policy = await loadWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      initialMemoryPages: 16,
      maxMemoryPages: 256,
    })
    id = policy.entrypoints.get('hog/size')!
  })

  it('evaluates within the memory limit', () => {
    expect(policy.evaluate(id, encodeJson({ n: 1000 }))).toBe('[{"result":1000}]')
  })

  it('fails an evaluation that needs more memory than the limit with evaluation_error, and keeps serving', () => {
    let error: unknown
    try {
      policy.evaluate(id, encodeJson({ n: 10_000_000 }))
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('evaluation_error')
    expect(policy.evaluate(id, encodeJson({ n: 10 }))).toBe('[{"result":10}]')
  })
})
