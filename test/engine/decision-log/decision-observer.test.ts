import { describe, expect, it } from 'vitest'
import type { Decision } from '../../../engine/decision/decider.js'
import type { DecisionRecord } from '../../../engine/decision-log/decision-event.js'
import { createDecisionObserver } from '../../../engine/decision-log/decision-observer.js'
import { createMetrics } from '../../../engine/metrics/metrics.js'
import type { PolicySet } from '../../../engine/policy/policy-set.js'

const policies = { revisions: { authz: 'r1' } } as unknown as PolicySet
const decision = (json: string | undefined): Decision => ({
  decisionId: 'd-1',
  path: 'app/authz/decision',
  outcome: json === undefined ? { defined: false } : { defined: true, json },
  policies,
  evalNs: 5000,
})

describe('decision observer', () => {
  it('classifies once and feeds both the decision metrics and the decision log', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const records: DecisionRecord[] = []
    const observer = createDecisionObserver({ metrics, decisionLog: { record: (r) => records.push(r) } })
    const input = new TextEncoder().encode('{"user":"alice"}')
    observer.decided(decision('{"allow":true,"reasons":[]}'), input, { requestedBy: '10.0.0.1:1234' })
    observer.decided(decision(undefined), undefined)
    observer.decided(decision('{"oops":1}'), input, {
      error: { code: 'evaluation_error', message: 'bad verdict' },
    })
    observer.failed('app/authz/decision', input, { code: 'internal_error', message: 'no bundle' }, 1000)
    expect(records.map((r) => r.outcome)).toEqual(['allow', 'undefined', 'error', 'error'])
    expect(records[0]).toMatchObject({
      decisionId: 'd-1',
      input,
      result: '{"allow":true,"reasons":[]}',
      revisions: { authz: 'r1' },
      requestedBy: '10.0.0.1:1234',
      evalNs: 5000,
    })
    expect(records[2]!.error).toEqual({ code: 'evaluation_error', message: 'bad verdict' })
    expect(records[3]).toMatchObject({
      result: undefined,
      error: { code: 'internal_error', message: 'no bundle' },
    })
    const { body } = await metrics.render()
    expect(body).toContain('clearance_decisions_total{outcome="allow"} 1')
    expect(body).toContain('clearance_decisions_total{outcome="undefined"} 1')
    expect(body).toContain('clearance_decisions_total{outcome="error"} 2')
  })

  it('works with neither metrics nor a decision log', () => {
    const observer = createDecisionObserver({})
    expect(() => observer.decided(decision('true'), undefined)).not.toThrow()
  })
})
