import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../../engine/config/defaults.js'
import { addInlineSample, newInlineCost } from '../../../engine/policy/inline-cost.js'

const cheap = DEFAULTS.inlineEvaluation.cheapMicros

describe('inline cost', () => {
  it('keeps a cheap entrypoint cheap through a pause of one evaluation', () => {
    const cost = newInlineCost()
    for (let i = 0; i < 20; i++) addInlineSample(cost, 3)
    addInlineSample(cost, 20_000) // a 20 ms collection or preemption
    for (let i = 0; i < 3; i++) addInlineSample(cost, 3)
    expect(cost.averageMicros).toBeLessThan(cheap)
  })

  it('finds a costly entrypoint costly from its second evaluation', () => {
    const cost = newInlineCost()
    addInlineSample(cost, 5000)
    expect(cost.averageMicros).toBeLessThanOrEqual(cheap)
    addInlineSample(cost, 5000)
    expect(cost.averageMicros).toBeGreaterThan(cheap)
  })

  it('follows an entrypoint whose cost changes', () => {
    const cost = newInlineCost()
    for (let i = 0; i < 5; i++) addInlineSample(cost, 2000)
    expect(cost.averageMicros).toBeGreaterThan(cheap)
    for (let i = 0; i < 60; i++) addInlineSample(cost, 3)
    expect(cost.averageMicros).toBeLessThan(cheap)
  })
})
