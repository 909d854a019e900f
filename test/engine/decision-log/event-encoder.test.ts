import { describe, expect, it } from 'vitest'
import { createEventEncoder, rfc3339Nano } from '../../../engine/decision-log/event-encoder.js'

describe('event timestamps', () => {
  it('stay exact across second boundaries when the seconds part is reused', () => {
    const encoder = createEventEncoder({ labels: { id: 'i', version: 'v' } })
    const base = Date.UTC(2025, 0, 1, 0, 0, 59, 999)
    const stamps = [base, base + 1, base + 2, base + 1000].map((timestampMs) => {
      const text = encoder.encode({
        record: {
          decisionId: 'd',
          path: 'p',
          input: undefined,
          result: undefined,
          revisions: {},
          timestampMs,
        },
        input: undefined,
        result: undefined,
      })
      return JSON.parse(text).timestamp as string
    })
    expect(stamps).toEqual([
      '2025-01-01T00:00:59.999Z',
      '2025-01-01T00:01:00Z',
      '2025-01-01T00:01:00.001Z',
      '2025-01-01T00:01:00.999Z',
    ])
    expect(stamps).toEqual([base, base + 1, base + 2, base + 1000].map(rfc3339Nano))
  })
})
