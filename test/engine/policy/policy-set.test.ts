import { beforeAll, describe, expect, it } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import {
  createPolicySet,
  type EvalOutcome,
  mergeData,
  type PolicySet,
} from '../../../engine/policy/policy-set.js'
import { buildFixture } from '../../helpers/fixtures.js'

const raw = (text: string): Uint8Array => new TextEncoder().encode(text)
const value = (outcome: EvalOutcome): unknown => {
  if (!outcome.defined) throw new Error('expected a defined result')
  return parseJson(outcome.json)
}

describe('policy set', () => {
  let basic: PolicySet
  let bundles: Record<string, string>

  beforeAll(async () => {
    bundles = {
      basic: await buildFixture('basic'),
      teamA: await buildFixture('team-a'),
      teamB: await buildFixture('team-b'),
      overlap: await buildFixture('overlap'),
    }
    basic = await createPolicySet([await loadBundleFromPath('basic', bundles.basic!)])
  })

  it('lists every rule and package as an entrypoint, and the revision of each bundle', async () => {
    expect(basic.entrypoints).toEqual([
      'example/authz',
      'example/authz/allow',
      'example/authz/conflict',
      'example/authz/divide',
      'example/authz/echo',
      'example/authz/kind',
      'example/authz/unannotated',
      'system',
      'system/main',
    ])
    expect(basic.revisions).toEqual({ basic: 'rev-basic' })
  })

  it('evaluates an entrypoint against bundle data', async () => {
    expect(value(await basic.evaluate('example/authz/allow', encodeJson({ user: 'alice' })))).toBe(true)
    expect(value(await basic.evaluate('example/authz/allow', encodeJson({ user: 'bob' })))).toBe(false)
  })

  it('passes falsy inputs to the policy as given', async () => {
    for (const input of ['false', '0', '""', 'null']) {
      expect(await basic.evaluate('example/authz/echo', raw(input))).toEqual({ defined: true, json: input })
    }
    expect(value(await basic.evaluate('example/authz/kind', raw('null')))).toBe('null')
    expect(value(await basic.evaluate('example/authz/kind', raw('false')))).toBe('boolean')
  })

  it('leaves input undefined when none is given', async () => {
    expect(await basic.evaluate('example/authz/echo', undefined)).toEqual({ defined: false })
  })

  it('keeps integers beyond 2^53 exact in input and data', async () => {
    expect(await basic.evaluate('example/authz/echo', raw('{"n":123456789012345678901234567890}'))).toEqual({
      defined: true,
      json: '{"n":123456789012345678901234567890}',
    })
    expect(await basic.evaluate('example/users/big', undefined)).toEqual({
      defined: true,
      json: '12345678901234567890',
    })
  })

  it('answers paths into bundle data as OPA does', async () => {
    expect(value(await basic.evaluate('example/users/alice', undefined))).toEqual({ role: 'admin' })
    expect(await basic.evaluate('example/users/carol', undefined)).toEqual({ defined: false })
  })

  it('descends into an entrypoint value, array indexes included', async () => {
    expect(value(await basic.evaluate('example/authz/echo/list/1', encodeJson({ list: ['a', 'b'] })))).toBe(
      'b',
    )
    expect(await basic.evaluate('example/authz/echo/list/x', encodeJson({ list: ['a'] }))).toEqual({
      defined: false,
    })
  })

  it('assembles a document from the entrypoints and data beneath a path', async () => {
    const doc = value(await basic.evaluate('example', encodeJson({ user: 'alice', a: 4, b: 2 }))) as Record<
      string,
      unknown
    >
    expect(doc.users).toMatchObject({ alice: { role: 'admin' } })
    expect(doc.authz).toMatchObject({ allow: true, divide: 2, kind: 'object' })
    expect(await basic.evaluate('example/authz/divide', encodeJson({ a: 1, b: 0 }))).toEqual({
      defined: false,
    })
  })

  it("reports a conflict in OPA's shape: internal_error with an eval_conflict_error and its location", async () => {
    let error: unknown
    try {
      await basic.evaluate('example/authz/conflict', encodeJson({ values: [1, 2] }))
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('internal_error')
    expect((error as ClearanceError).details).toEqual([
      expect.objectContaining({
        code: 'eval_conflict_error',
        location: expect.objectContaining({ file: 'example/authz/authz.rego', row: expect.any(Number) }),
      }),
    ])
    // the instance keeps serving afterwards
    expect(value(await basic.evaluate('example/authz/conflict', encodeJson({ values: [3] })))).toBe(3)
  })

  it('serves several bundles with disjoint roots, sharing data across them', async () => {
    const set = await createPolicySet([
      await loadBundleFromPath('a', bundles.teamA!),
      await loadBundleFromPath('b', bundles.teamB!),
    ])
    expect(value(await set.evaluate('team_a/allow', encodeJson({ team: 'a' })))).toBe(true)
    expect(value(await set.evaluate('team_b/allow', encodeJson({ team: 'b' })))).toBe(true)
    expect(value(await set.evaluate('team_a/peer_limit', undefined))).toBe(7)
    expect(set.revisions).toEqual({ a: 'rev-team-a', b: 'rev-team-b' })
  })

  it('refuses bundles whose roots overlap, naming both', async () => {
    const load = createPolicySet([
      await loadBundleFromPath('team-a', bundles.teamA!),
      await loadBundleFromPath('overlap', bundles.overlap!),
    ])
    await expect(load).rejects.toThrow(/bundles "team-a" and "overlap" have overlapping roots/)
  })
})

describe('mergeData', () => {
  const bundleWith = (data: Record<string, unknown>): Bundle => ({ data }) as unknown as Bundle

  it('merges bundles that share parents without copying or changing their data', async () => {
    const catalog = { services: { orders: { zone: 'internal' } } }
    const a = { shop: { catalog }, x: 1 }
    const b = { shop: { grants: [{ from: 'orders' }] } }
    const before = structuredClone({ a, b })
    const merged = mergeData([bundleWith(a), bundleWith(b)])
    expect(merged).toEqual({ shop: { catalog, grants: [{ from: 'orders' }] }, x: 1 })
    expect((merged.shop as { catalog: unknown }).catalog).toBe(catalog)
    expect({ a, b }).toEqual(before)
  })

  it("uses a single bundle's data as it is", async () => {
    const data = { a: { b: 1 } }
    expect(mergeData([bundleWith(data)])).toBe(data)
  })
})
