// Who may evaluate on the serving thread (metered, see loop-fuel.ts) right now. An evaluation that runs out of
// fuel cost the serving thread its whole budget for nothing, so: a client whose evaluation ran out goes to the
// evaluation threads directly for a cool-down, and past a few exhaustions a second (many clients, or one with many
// addresses) every evaluation of the module does, until the second is over. The serving thread's time lost to
// exhausted evaluations is thereby bounded, whatever the inputs.

export interface FuelGuard {
  /** Whether this client's evaluation may run on the serving thread now. */
  allows(caller: string | undefined): boolean
  /** An evaluation of this client ran out of fuel. */
  exhausted(caller: string | undefined): void
}

const MAX_CLIENTS = 10_000

export function createFuelGuard(options: {
  exhaustionsPerSecond: number
  clientCooldownMs: number
  now?: () => number
}): FuelGuard {
  const now = options.now ?? (() => performance.now())
  let windowStart = Number.NEGATIVE_INFINITY
  let inWindow = 0
  /** Client → until when it evaluates on the threads only; oldest first. */
  const held = new Map<string, number>()
  return {
    allows(caller) {
      const at = now()
      if (at - windowStart >= 1000) {
        windowStart = at
        inWindow = 0
      }
      if (inWindow >= options.exhaustionsPerSecond) return false
      if (caller === undefined) return true
      const until = held.get(caller)
      if (until === undefined) return true
      if (until > at) return false
      held.delete(caller)
      return true
    },
    exhausted(caller) {
      inWindow++
      if (caller === undefined) return
      held.delete(caller)
      held.set(caller, now() + options.clientCooldownMs)
      if (held.size > MAX_CLIENTS) held.delete(held.keys().next().value!)
    },
  }
}
