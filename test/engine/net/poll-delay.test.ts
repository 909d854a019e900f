import { describe, expect, it } from 'vitest'
import { pollDelay } from '../../../engine/net/poll-delay.js'

describe('poll delay', () => {
  const polling = { minDelayMs: 60_000, maxDelayMs: 120_000 }

  it('waits a jittered delay between the min and max after a success', () => {
    expect(pollDelay(polling, 0, () => 0)).toBe(60_000)
    expect(pollDelay(polling, 0, () => 0.5)).toBe(90_000)
    expect(pollDelay(polling, 0, () => 0.999)).toBeLessThan(120_000)
  })

  it('retries at once after a first failure, then backs off exponentially up to the max delay', () => {
    const middle = (): number => 0.5
    expect(pollDelay(polling, 1, middle)).toBe(0)
    expect(pollDelay(polling, 2, middle)).toBeCloseTo(160)
    expect(pollDelay(polling, 3, middle)).toBeCloseTo(256)
    expect(pollDelay(polling, 50, middle)).toBe(120_000)
    expect(pollDelay(polling, 50, () => 0)).toBe(96_000)
    expect(pollDelay(polling, 50, () => 1)).toBe(144_000)
  })
})
