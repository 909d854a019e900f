// Runs a source's async work one piece at a time, in call order, so scans or polls never overlap and stop() can
// wait for the one in flight. A piece that fails does not hold up the ones queued after it.
export interface SerialQueue {
  /** Runs `work` once everything queued before it has finished; settles as `work` does. */
  run<T>(work: () => Promise<T>): Promise<T>
  /** Settles (never rejects) once everything queued so far has finished. */
  idle(): Promise<unknown>
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    run(work) {
      const result = tail.then(work)
      tail = result.catch(() => undefined)
      return result
    },
    idle: () => tail,
  }
}
