import { beforeAll, describe, expect, it } from 'vitest'
import { createLocalEvaluator, type LocalEvaluator } from '../../sdk/index.js'
import { buildFixture } from '../helpers/fixtures.js'

describe('local evaluator', () => {
  let evaluator: LocalEvaluator

  beforeAll(async () => {
    evaluator = await createLocalEvaluator({ bundles: [`basic=${await buildFixture('basic')}`] })
  })

  it('decides in-process from the same bundle, with id and revision', () => {
    const decision = evaluator.evaluate<boolean>('example/authz/allow', { user: 'alice' })
    expect(decision.result).toBe(true)
    expect(decision.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(decision.revisions).toEqual({ basic: 'rev-basic' })
  })

  it('passes falsy inputs through and reports undefined documents as undefined', () => {
    expect(evaluator.evaluate('example/authz/echo', false).result).toBe(false)
    expect(evaluator.evaluate('example/authz/echo', 0).result).toBe(0)
    expect(evaluator.evaluate('example/authz/echo').result).toBeUndefined()
  })

  it('throws a coded error when the policy fails', () => {
    expect(() => evaluator.evaluate('example/authz/conflict', { values: [1, 2] })).toThrow(
      expect.objectContaining({ code: 'evaluation_error' }),
    )
  })
})
