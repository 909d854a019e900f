// Where decisions were evaluated: clearance_evaluations_total{thread="serving"|"evaluation"}, and
// clearance_evaluation_fuel_exhausted_total (serving-thread evaluations that ran out of fuel and went to a thread),
// brought at each scrape to the process's running totals (engine/policy/evaluation-places.ts), so an evaluation
// pays nothing for them. A decision answered from the decision cache is not an evaluation.
import { Counter, type Registry } from 'prom-client'

export interface EvaluationPlaceCounts {
  servingThread: number
  evaluationThreads: number
  fuelExhausted: number
}

export function evaluationPlaceMetrics(
  prefix: string,
  registers: Registry[],
  read: () => EvaluationPlaceCounts | undefined,
): void {
  new Counter({
    name: `${prefix}evaluations_total`,
    help: 'Policy evaluations by the thread that ran them: the serving thread (metered) or an evaluation thread.',
    labelNames: ['thread'],
    registers,
    collect() {
      const counts = read()
      this.reset()
      this.inc({ thread: 'serving' }, counts?.servingThread ?? 0)
      this.inc({ thread: 'evaluation' }, counts?.evaluationThreads ?? 0)
    },
  })
  new Counter({
    name: `${prefix}evaluation_fuel_exhausted_total`,
    help: 'Serving-thread evaluations that ran out of fuel and were evaluated again on an evaluation thread.',
    registers,
    collect() {
      this.reset()
      this.inc(read()?.fuelExhausted ?? 0)
    },
  })
}
