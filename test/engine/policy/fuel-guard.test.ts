import { describe, expect, it } from 'vitest'
import { createFuelGuard } from '../../../engine/policy/fuel-guard.js'

describe('fuel guard (who evaluates on the serving thread)', () => {
  it('sends a client whose evaluation ran out to the threads for the cool-down, others not', () => {
    let now = 0
    const guard = createFuelGuard({ exhaustionsPerSecond: 10, clientCooldownMs: 5000, now: () => now })
    expect(guard.allows('10.0.0.1')).toBe(true)
    guard.exhausted('10.0.0.1')
    expect(guard.allows('10.0.0.1')).toBe(false)
    expect(guard.allows('10.0.0.2')).toBe(true)
    expect(guard.allows(undefined)).toBe(true)
    now = 5001
    expect(guard.allows('10.0.0.1')).toBe(true)
  })

  it('sends everyone to the threads for the rest of a second once exhaustions pass the rate', () => {
    let now = 0
    const guard = createFuelGuard({ exhaustionsPerSecond: 3, clientCooldownMs: 0, now: () => now })
    for (let client = 0; client < 3; client++) {
      expect(guard.allows(`10.0.0.${client}`)).toBe(true)
      guard.exhausted(`10.0.0.${client}`)
    }
    expect(guard.allows('192.168.0.9')).toBe(false)
    expect(guard.allows(undefined)).toBe(false)
    now = 1000
    expect(guard.allows('192.168.0.9')).toBe(true)
  })
})
