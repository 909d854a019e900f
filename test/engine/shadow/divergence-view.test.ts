import { describe, expect, it } from 'vitest'
import type { DecisionRecord } from '../../../engine/decision-log/decision-event.js'
import { createEventProcessor } from '../../../engine/decision-log/event-processor.js'
import { parseConfiguredMasks } from '../../../engine/decision-log/mask-rules.js'
import { divergenceView } from '../../../engine/shadow/divergence-view.js'

const record: DecisionRecord = {
  decisionId: 'd1',
  path: 'authz/decision',
  input: '{"user":"alice","card":{"pan":"4111"}}',
  result: '{"allow":true,"secret":"s1","reasons":[{"code":"ok","message":"m"}]}',
  revisions: { main: 'r1' },
  timestampMs: 0,
  shadow: {
    revision: 'r2',
    result: '{"allow":false,"secret":"s2","reasons":[{"code":"no_grant","message":"n"}]}',
    change: 'newly_denied',
  },
}

describe('shadow divergence view', () => {
  it('masks the input, the result and the shadow result as the decision log does', () => {
    const processor = createEventProcessor({
      labels: { id: 'i', version: 'v' },
      rules: parseConfiguredMasks(['/input/card', '/result/secret'], '--decision-log-mask'),
    })
    const [event] = divergenceView({ recentDivergences: () => [record] }, processor)(10) as Array<
      Record<string, unknown>
    >
    expect(event).toMatchObject({
      decision_id: 'd1',
      input: { user: 'alice' },
      result: { allow: true },
      erased: ['/input/card', '/result/secret'],
      shadow: { revision: 'r2', change: 'newly_denied', result: { allow: false } },
      reasons: [{ code: 'ok', message: 'm' }],
    })
    expect(JSON.stringify(event)).not.toContain('4111')
    expect(JSON.stringify(event)).not.toContain('"s1"')
    expect(JSON.stringify(event)).not.toContain('"s2"')
    expect((event!.shadow as { result: { reasons: unknown[] } }).result.reasons).toEqual([
      { code: 'no_grant', message: 'n' },
    ])
  })
})
