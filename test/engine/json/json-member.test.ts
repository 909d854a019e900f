import { describe, expect, it } from 'vitest'
import { createEventEncoder, rfc3339Nano } from '../../../engine/decision-log/event-encoder.js'
import { topLevelMember } from '../../../engine/json/json-member.js'

describe('top-level member scan', () => {
  it('finds a member whatever precedes it, skipping strings and nested values', () => {
    const text =
      '{"a":"x\\"reasons\\":1}","b":{"reasons":[9]},"c":[{"d":"]"}],"n":-1.5e3,"reasons":[{"code":"c"}]}'
    expect(topLevelMember(text, 'reasons')).toEqual({ found: true, text: '[{"code":"c"}]', exact: true })
    expect(JSON.parse(topLevelMember(text, 'n').text!)).toBe(-1500)
  })

  it('reads members of indented JSON and members that are the last one', () => {
    expect(topLevelMember('{ "allow" : true ,\n "reasons" : [ ] }', 'reasons').text).toBe('[ ]')
    expect(topLevelMember('{"allow":true}', 'allow').text).toBe('true')
  })

  it('reports absent members and non-objects exactly, and asks for a parse when keys are escaped', () => {
    expect(topLevelMember('{"allow":true}', 'reasons')).toEqual({ found: false, exact: true })
    expect(topLevelMember('[1,2]', 'reasons')).toEqual({ found: false, exact: true })
    expect(topLevelMember('{"re\\u0061sons":[]}', 'reasons').exact).toBe(false)
  })
})

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
