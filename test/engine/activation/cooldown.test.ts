import { describe, expect, it } from 'vitest'
import { createCooldown } from '../../../engine/activation/cooldown.js'
import { createManualClock } from './support/manual-clock.js'

describe('cool-down', () => {
  it('runs once, only after events have been quiet for the whole delay', async () => {
    const clock = createManualClock()
    let runs = 0
    const cooldown = createCooldown({ delayMs: 100, clock, run: async () => void runs++ })
    cooldown.trigger()
    await clock.advance(60)
    cooldown.trigger()
    await clock.advance(60)
    cooldown.trigger()
    await clock.advance(99)
    expect(runs).toBe(0)
    await clock.advance(1)
    expect(runs).toBe(1)
    await clock.advance(1000)
    expect(runs).toBe(1)
  })

  it('never overlaps runs, and runs once more for events that came during a run', async () => {
    const clock = createManualClock()
    let active = 0
    let runs = 0
    let release: () => void = () => {}
    const cooldown = createCooldown({
      delayMs: 10,
      clock,
      run: async () => {
        active++
        expect(active).toBe(1)
        runs++
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
        active--
      },
    })
    cooldown.trigger()
    await clock.advance(10)
    expect(runs).toBe(1)
    cooldown.trigger()
    await clock.advance(10)
    cooldown.trigger()
    await clock.advance(10)
    expect(runs).toBe(1)
    release()
    await clock.advance(0)
    await clock.advance(10)
    expect(runs).toBe(2)
    await cooldown.idle()
  })

  it('does nothing once stopped', async () => {
    const clock = createManualClock()
    let runs = 0
    const cooldown = createCooldown({ delayMs: 10, clock, run: async () => void runs++ })
    cooldown.trigger()
    cooldown.stop()
    cooldown.trigger()
    await clock.advance(100)
    expect(runs).toBe(0)
    await cooldown.idle()
  })
})
