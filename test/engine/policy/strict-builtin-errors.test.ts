// ?strict-builtin-errors per evaluation: a failing host builtin fails that evaluation with OPA's
// eval_builtin_error, and only that one — on the calling thread and on a time-limited evaluation thread alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { createPolicySet, type PolicySet } from '../../../engine/policy/policy-set.js'
import { buildFixture } from '../../helpers/fixtures.js'

const badTime = encodeJson({ time: 'not a time' })
const strict = { strictBuiltinErrors: true }

describe.each([
  ['on the calling thread', undefined],
  ['on an evaluation thread', 1000],
])('strict builtin errors %s', (_where, evaluationTimeoutMs) => {
  let set: PolicySet
  beforeAll(async () => {
    const bundle = await loadBundleFromPath('plain', await buildFixture('plain-rego'))
    set = await createPolicySet([bundle], evaluationTimeoutMs === undefined ? {} : { evaluationTimeoutMs })
  })
  afterAll(() => set?.close())

  it('fails the strict evaluation with eval_builtin_error naming the builtin', async () => {
    const error = await set.evaluate('shop/authz/parsed_time', badTime, strict).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('internal_error')
    expect((error as ClearanceError).details).toEqual([
      { code: 'eval_builtin_error', message: expect.stringContaining('time.parse_rfc3339_ns: parsing time') },
    ])
    // a package path that holds the rule fails too, as in OPA
    await expect(set.evaluate('shop/authz', badTime, strict)).rejects.toThrow('eval_builtin_error')
  })

  it('leaves the evaluations before and after it undefined, as by default', async () => {
    expect(await set.evaluate('shop/authz/parsed_time', badTime)).toEqual({ defined: false })
    await expect(set.evaluate('shop/authz/parsed_time', badTime, strict)).rejects.toThrow()
    expect(await set.evaluate('shop/authz/parsed_time', badTime)).toEqual({ defined: false })
    expect(await set.evaluate('shop/authz/allow', encodeJson({ user: 'alice' }), strict)).toEqual({
      defined: true,
      json: 'true',
    })
  })
})
