// Batches bursts of file-system events: every trigger restarts a short timer, and the work runs only once the
// events have been quiet for the whole cool-down, so a file still being written is not read. Runs never overlap;
// triggers that arrive during a run lead to one more run after it.
import type { Clock, TimerHandle } from '../clock.js'

export interface Cooldown {
  trigger(): void
  /** Resolves when no run is pending or in progress. */
  idle(): Promise<void>
  stop(): void
}

export function createCooldown({
  delayMs,
  clock,
  run,
}: {
  delayMs: number
  clock: Clock
  run: () => Promise<void>
}): Cooldown {
  let timer: TimerHandle | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false
  let waiters: Array<() => void> = []

  const settle = (): void => {
    if (timer !== undefined || running !== undefined) return
    const done = waiters
    waiters = []
    for (const resolve of done) resolve()
  }

  const fire = (): void => {
    timer = undefined
    if (stopped) {
      settle()
      return
    }
    if (running !== undefined) {
      again = true
      return
    }
    running = run()
      .catch(() => undefined)
      .finally(() => {
        running = undefined
        if (again && !stopped) {
          again = false
          arm()
        }
        settle()
      })
  }

  const arm = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = clock.setTimeout(fire, delayMs)
  }

  return {
    trigger() {
      if (!stopped) arm()
    },
    idle: () =>
      timer === undefined && running === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push(resolve)),
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      settle()
    },
  }
}
