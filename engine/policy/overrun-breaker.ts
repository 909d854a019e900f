// Remembers the evaluations that ran past the time limit, by entrypoint and input, and denies the same
// evaluation at once for a cool-down instead of letting it hold an evaluation thread for another full limit and
// get the thread replaced again. A caller repeating a runaway request then costs the module nothing; the other
// callers of the module keep its threads. The digest is taken only while something is remembered, so the common
// case (nothing ever overran) pays one size check.
import { createHash } from 'node:crypto'

export interface OverrunBreaker {
  /** Why this evaluation is denied without running, or undefined. */
  refusal(entrypoint: number, input: Uint8Array | undefined): string | undefined
  /** Notes that this evaluation ran past the limit. */
  record(entrypoint: number, input: Uint8Array | undefined): void
}

export interface OverrunBreakerOptions {
  timeoutMs: number
  cooldownMs: number
  /** Most evaluations remembered; the oldest is forgotten first. */
  maxEntries?: number
  now?: () => number
}

function keyOf(entrypoint: number, input: Uint8Array | undefined): string {
  const hash = createHash('sha256').update(String(entrypoint)).update('\0')
  if (input !== undefined) hash.update(input)
  return hash.digest('base64')
}

export function createOverrunBreaker({
  timeoutMs,
  cooldownMs,
  maxEntries = 10_000,
  now = Date.now,
}: OverrunBreakerOptions): OverrunBreaker {
  /** Key → until when it is denied, in insertion order. */
  const until = new Map<string, number>()
  return {
    refusal(entrypoint, input) {
      if (cooldownMs <= 0) return undefined
      // Every entry has the same cool-down, so the map's insertion order is deadline order: what has cooled down
      // is at the front. Forgetting it keeps the common case (nothing overran lately) free of the digest.
      const at = now()
      for (const [key, deadline] of until) {
        if (deadline > at) break
        until.delete(key)
      }
      if (until.size === 0) return undefined
      const key = keyOf(entrypoint, input)
      const deadline = until.get(key)
      if (deadline === undefined) return undefined
      return `this evaluation ran past the ${timeoutMs} ms time limit within the last ${Math.round(cooldownMs / 1000)} s; denied without running it again`
    },
    record(entrypoint, input) {
      if (cooldownMs <= 0) return
      const key = keyOf(entrypoint, input)
      until.delete(key)
      until.set(key, now() + cooldownMs)
      if (until.size > maxEntries) until.delete(until.keys().next().value!)
    },
  }
}
