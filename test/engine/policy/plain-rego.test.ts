// Plain Rego, no annotations: every rule and package answers through the policy set, a query runs only what its
// path needs, and a path the wasm cannot answer is an error that names why.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import { createPolicySet, type EvalOutcome, type PolicySet } from '../../../engine/policy/policy-set.js'
import { buildFixture } from '../../helpers/fixtures.js'

const value = (outcome: EvalOutcome): unknown => (outcome.defined ? parseJson(outcome.json) : undefined)
const alice = encodeJson({ user: 'alice', n: 2 })

async function rejectionOf(run: () => Promise<unknown>): Promise<ClearanceError> {
  try {
    await run()
  } catch (thrown) {
    if (thrown instanceof ClearanceError) return thrown
    throw thrown
  }
  throw new Error('expected a ClearanceError')
}

describe('plain Rego (no entrypoint annotations)', () => {
  let all: PolicySet
  let annotated: string

  beforeAll(async () => {
    all = await createPolicySet([await loadBundleFromPath('plain', await buildFixture('plain-rego'))])
    annotated = await buildFixture('basic', 'rev-basic', 'annotated')
  })

  it('compiles an entrypoint for every rule and every package', async () => {
    expect(all.entrypoints).toEqual(
      expect.arrayContaining([
        'shop/authz',
        'shop/authz/audit',
        'shop/authz/allow',
        'shop/authz/allow_reasons',
        'shop/authz/roles',
        'shop/authz/limits/orders/max',
      ]),
    )
    expect(all.entrypoints).not.toContain('shop/authz/double')
  })

  it('answers a rule that is not annotated with its value', async () => {
    expect(value(await all.evaluate('shop/authz/allow_reasons', alice))).toEqual(['alice is admin'])
    expect(value(await all.evaluate('shop/authz/allow', alice))).toBe(true)
  })

  it('answers a package with all its rules and sub-packages, functions left out', async () => {
    const pkg = value(await all.evaluate('shop/authz', alice)) as Record<string, unknown>
    expect(pkg.audit).toEqual({ level: 'full' })
    expect(pkg.limits).toEqual({ orders: { max: 100, min: 1 } })
    expect(pkg).not.toHaveProperty('double')
    expect(value(await all.evaluate('shop', alice))).toMatchObject({ users: { bob: { role: 'viewer' } } })
  })

  it('answers paths inside a rule and paths that join several ref-head rules', async () => {
    expect(value(await all.evaluate('shop/authz/roles/bob', alice))).toBe('viewer')
    expect(value(await all.evaluate('shop/authz/limits/orders', alice))).toEqual({ max: 100, min: 1 })
  })

  it('does not evaluate an expensive sibling rule for a rule query or a path that is no rule', async () => {
    const expensive = encodeJson({ user: 'alice', expensive: true })
    const started = Date.now()
    expect(value(await all.evaluate('shop/authz/allow', expensive))).toBe(true)
    expect(await all.evaluate('shop/authz/no_such_rule', expensive)).toEqual({ defined: false })
    expect(value(await all.evaluate('shop/authz/roles/alice', expensive))).toBe('admin')
    expect(Date.now() - started).toBeLessThan(500)
  })

  it('keeps the calling thread free while a time-limited package evaluates on its own thread', async () => {
    const guarded = await createPolicySet(
      [await loadBundleFromPath('plain', await buildFixture('plain-rego'))],
      {
        evaluationTimeoutMs: 300,
      },
    )
    let ticks = 0
    const ticker = setInterval(() => ticks++, 5)
    try {
      // "shop" is no entrypoint: it is assembled from data and the "shop/authz" package, whose expensive rule
      // runs past the limit with this input. A blocking wait would freeze the timers for the whole limit.
      const error = await rejectionOf(() => guarded.evaluate('shop', encodeJson({ expensive: true })))
      expect(error.code).toBe('evaluation_error')
      expect(ticks).toBeGreaterThanOrEqual(5)
    } finally {
      clearInterval(ticker)
      guarded.close()
    }
  })

  it('refuses a function path as OPA does, naming the function', async () => {
    const error = await rejectionOf(() => all.evaluate('shop/authz/double', alice))
    expect(error.code).toBe('internal_error')
    expect(error.message).toContain('function data.shop.authz.double used as reference, not called')
  })

  it('answers a rule left out by --entrypoints annotated with not_compiled naming the rule', async () => {
    const set = await createPolicySet([await loadBundleFromPath('basic', annotated)])
    expect(set.entrypoints).toContain('example/authz/allow')
    const rule = await rejectionOf(() => set.evaluate('example/authz/unannotated', encodeJson({})))
    expect(rule.code).toBe('not_compiled')
    expect(rule.message).toContain('data.example.authz.unannotated')
    const pkg = await rejectionOf(() => set.evaluate('example/authz', encodeJson({})))
    expect(pkg.code).toBe('not_compiled')
    expect(pkg.message).toContain('holds data.example.authz.unannotated')
  })
})
