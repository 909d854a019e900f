// State that OPA keeps per evaluation: time.now_ns() is one value for the whole query, and rand.intn /
// uuid.rfc4122 return the same result for the same arguments within it. opa-wasm does not tell host builtins
// when an evaluation starts, so the scope resets itself after the synchronous job that first used it: an
// opa_eval call never yields, so everything one evaluation reads comes from the same snapshot. Evaluations run
// back to back in the same job share it too (a batch sees one clock), which is the documented deviation;
// beginEvaluation() (index.ts) lets the evaluator reset it exactly at each evaluation instead.

export interface EvaluationScope {
  /** Nanoseconds since the Unix epoch, fixed for the current evaluation. */
  nowNs(): bigint
  /** The value cached under `key` for the current evaluation, computing it on first use. */
  remember<T>(key: string, compute: () => T): T
  /** Forgets the clock reading and caches: the next read belongs to a new evaluation. */
  reset(): void
}

export function createEvaluationScope(clock: () => bigint): EvaluationScope {
  let now: bigint | undefined
  const cache = new Map<string, unknown>()
  let resetQueued = false

  const reset = (): void => {
    now = undefined
    // Map#clear allocates a new table even for an empty map: most evaluations read no clock and cache nothing.
    if (cache.size > 0) cache.clear()
  }
  const queueReset = (): void => {
    if (resetQueued) return
    resetQueued = true
    queueMicrotask(() => {
      resetQueued = false
      reset()
    })
  }

  return {
    nowNs() {
      if (now === undefined) {
        now = clock()
        queueReset()
      }
      return now
    },
    remember<T>(key: string, compute: () => T): T {
      if (cache.has(key)) return cache.get(key) as T
      const value = compute()
      cache.set(key, value)
      queueReset()
      return value
    },
    reset,
  }
}

/** The wall clock in nanoseconds since the Unix epoch (millisecond resolution, like Date). */
export function systemClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n
}
