// Where this process's policy evaluations ran: on the serving thread, metered (inline-policy.ts, for a module with
// no host builtin and little data), or on an evaluation thread under the time limit (guarded-policy.ts); and how
// many serving-thread evaluations ran out of fuel and were evaluated again on a thread. Running totals for the
// process, across bundle activations, read by /metrics at each scrape (engine/metrics/evaluation-place-metrics.ts).

export interface EvaluationPlaces {
  servingThread: number
  evaluationThreads: number
  fuelExhausted: number
}

export const evaluationPlaces: EvaluationPlaces = { servingThread: 0, evaluationThreads: 0, fuelExhausted: 0 }
