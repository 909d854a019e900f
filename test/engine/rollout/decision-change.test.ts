import { describe, expect, it } from 'vitest'
import { classifyChange, type DecisionAnswer } from '../../../engine/rollout/decision-change.js'
import { eventPath, readLoggedEvent } from '../../../engine/rollout/logged-event.js'

const result = (value: unknown): DecisionAnswer => ({ kind: 'result', json: JSON.stringify(value) })
const error: DecisionAnswer = { kind: 'error', code: 'evaluation_error', message: 'boom' }
const undef: DecisionAnswer = { kind: 'undefined' }

describe('classifyChange', () => {
  it('calls the same value unchanged whatever the member order', () => {
    expect(
      classifyChange(result({ allow: true, reasons: [] }), {
        kind: 'result',
        json: '{"reasons":[],"allow":true}',
      }),
    ).toBe('unchanged')
  })

  it('judges newly allowed and newly denied on the decision allow', () => {
    expect(classifyChange(result({ allow: false }), result({ allow: true }))).toBe('newly_allowed')
    expect(classifyChange(result({ allow: true }), result({ allow: false }))).toBe('newly_denied')
  })

  it('judges a boolean result on itself', () => {
    expect(classifyChange(result(false), result(true))).toBe('newly_allowed')
    expect(classifyChange(result(true), result(false))).toBe('newly_denied')
  })

  it('calls a different answer with the same allow a change', () => {
    expect(
      classifyChange(result({ allow: false, reasons: ['a'] }), result({ allow: false, reasons: ['b'] })),
    ).toBe('changed')
    expect(classifyChange(result('a'), result('b'))).toBe('changed')
  })

  it('treats an undefined or failed baseline as a deny', () => {
    expect(classifyChange(undef, result(true))).toBe('newly_allowed')
    expect(classifyChange(error, result({ allow: true }))).toBe('newly_allowed')
    expect(classifyChange(result(true), undef)).toBe('newly_denied')
    expect(classifyChange(undef, undef)).toBe('unchanged')
  })

  it('reports a candidate that fails as an error, never as a change of answer', () => {
    expect(classifyChange(result(true), error)).toBe('error')
    expect(classifyChange(error, error)).toBe('error')
  })
})

describe('readLoggedEvent', () => {
  it('refuses to replay an event whose input was erased or masked in part', () => {
    const erased = readLoggedEvent({
      decision_id: 'a',
      path: 'x/y',
      input: {},
      result: true,
      erased: ['/input/card/pan'],
    })
    const masked = readLoggedEvent({
      decision_id: 'b',
      path: 'x/y',
      input: {},
      result: true,
      masked: ['/input/user'],
    })
    expect(erased).toMatchObject({ kind: 'not_replayable', reason: 'input erased or masked' })
    expect(masked).toMatchObject({ kind: 'not_replayable' })
  })

  it('replays an event whose result was erased only against a baseline bundle', () => {
    const event = readLoggedEvent({
      decision_id: 'a',
      path: 'x',
      input: { a: 1 },
      erased: ['/result/secret'],
    })
    expect(event).toMatchObject({ kind: 'replayable', logged: undefined })
  })

  it('cuts the input out of the logged line as written', () => {
    const line = '{"decision_id":"a","path":"x","input":{"n":12345678901234567890},"result":true}'
    const event = readLoggedEvent(JSON.parse(line), line)
    expect(event).toMatchObject({ kind: 'replayable', inputText: '{"n":12345678901234567890}' })
  })

  it('takes an error event as a failed decision and ignores JSON that is no decision', () => {
    expect(
      readLoggedEvent({ decision_id: 'a', path: 'x', error: { code: 'evaluation_error', message: 'm' } }),
    ).toMatchObject({
      logged: { kind: 'error', code: 'evaluation_error' },
    })
    expect(readLoggedEvent({ level: 30, msg: 'server listening' })).toEqual({ kind: 'ignored' })
    expect(readLoggedEvent([1, 2])).toMatchObject({ kind: 'malformed' })
  })

  it('reads OPA path spellings', () => {
    expect(eventPath('data.clearance.authz.allow')).toBe('clearance/authz/allow')
    expect(eventPath('/clearance/authz/allow')).toBe('clearance/authz/allow')
  })
})
