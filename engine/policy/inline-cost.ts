// What one entrypoint's evaluations on the serving thread take, to send a costly one to the evaluation threads
// (guarded-policy.ts). A sample is wall time and includes whatever paused the thread meanwhile: a garbage
// collection, or the OS running something else (a load generator on the same cores). Counted as it is, one slow
// evaluation between quick ones would send a cheap entrypoint to the threads, and keep it there, since from then on
// only one evaluation in 64 is sampled (measured: under load on 2 shared cores, a fifth of a trivial policy's
// decisions went to the threads, each paying the hand-off). So the average takes the lesser of each two samples in
// a row: a costly entrypoint is slow twice running, a pause seldom is.

export interface InlineCost {
  /** Moving average, one tenth per sample, of the lesser of each two samples in a row, in µs. */
  averageMicros: number
  lastMicros: number
}

export function newInlineCost(): InlineCost {
  return { averageMicros: 0, lastMicros: 0 }
}

export function addInlineSample(cost: InlineCost, micros: number): void {
  cost.averageMicros = 0.9 * cost.averageMicros + 0.1 * Math.min(micros, cost.lastMicros)
  cost.lastMicros = micros
}
