import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../engine/metrics/metrics.js'

describe('evaluation place metrics', () => {
  it('reports where evaluations ran, and fuel exhaustions, as the running totals at each scrape', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const counts = { servingThread: 0, evaluationThreads: 0, fuelExhausted: 0 }
    metrics.watchEvaluationPlaces(() => counts)
    counts.servingThread = 41
    counts.evaluationThreads = 3
    counts.fuelExhausted = 1
    let text = (await metrics.render()).body
    expect(text).toContain('clearance_evaluations_total{thread="serving"} 41')
    expect(text).toContain('clearance_evaluations_total{thread="evaluation"} 3')
    expect(text).toContain('clearance_evaluation_fuel_exhausted_total 1')
    counts.servingThread = 50
    text = (await metrics.render()).body
    expect(text).toContain('clearance_evaluations_total{thread="serving"} 50')
  })

  it('reports zeros before anything is watched', async () => {
    const text = (await createMetrics({ processMetrics: false }).render()).body
    expect(text).toContain('clearance_evaluations_total{thread="serving"} 0')
    expect(text).toContain('clearance_evaluation_fuel_exhausted_total 0')
  })
})
