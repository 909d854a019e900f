// The time source of everything that waits or stamps: status times, debounce cool-downs, poll delays, bundle age.
// Injected so tests drive it with fake timers instead of sleeping.

export type TimerHandle = unknown

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms)
    // A pending poll or cool-down must not keep a stopping process alive.
    handle.unref?.()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
