// A clock the test moves by hand: timers fire only inside advance(), in due order.
import type { Clock } from '../../../../engine/clock.js'

export interface ManualClock extends Clock {
  /** Moves time forward, firing every timer that falls due (timers set by those too), then lets promises settle. */
  advance(ms: number): Promise<void>
  pending(): number
}

export function createManualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
  }
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++
      timers.set(id, { at: now + Math.max(0, ms), callback })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    async advance(ms) {
      const until = now + ms
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0]
        if (due === undefined) break
        timers.delete(due[0])
        now = due[1].at
        due[1].callback()
        await flush()
      }
      now = until
      await flush()
    },
    pending: () => timers.size,
  }
}
