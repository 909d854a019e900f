import { describe, expect, it } from 'vitest'
import type { DecisionRecord } from '../../../engine/decision-log/decision-event.js'
import { remoteAddr } from '../../../engine/decision-log/decision-event.js'
import { rfc3339Nano } from '../../../engine/decision-log/event-encoder.js'
import { createEventProcessor, type Dropped } from '../../../engine/decision-log/event-processor.js'
import { parseConfiguredMasks } from '../../../engine/decision-log/mask-rules.js'
import type { EvalOutcome } from '../../../engine/policy/policy-set.js'

const LABELS = { id: 'instance-1', version: '0.1.0', region: 'eu' }
const REVISIONS = { authz: 'rev-7' }

const record = (overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  decisionId: 'd-1',
  path: 'app/authz/decision',
  input: new TextEncoder().encode('{"user":"bob","password":"hunter2"}'),
  result: '{"allow":false,"reasons":[{"code":"no_role","message":"bob has no role"}]}',
  revisions: REVISIONS,
  requestedBy: '127.0.0.1:5000',
  evalNs: 1234,
  timestampMs: Date.UTC(2025, 5, 1, 12, 0, 0, 120),
  ...overrides,
})

const parse = (line: string | Dropped): Record<string, unknown> => {
  if (typeof line !== 'string') throw new Error(`dropped: ${line.dropped}`)
  return JSON.parse(line) as Record<string, unknown>
}

const outcome = (json: string): EvalOutcome => ({ defined: true, json })

describe('decision-log events', () => {
  it("writes OPA's event fields, in OPA's order, with the policy's reasons alongside", () => {
    const line = createEventProcessor({ labels: LABELS }).process(record())
    expect(Object.keys(parse(line))).toEqual([
      'labels',
      'decision_id',
      'bundles',
      'path',
      'input',
      'result',
      'requested_by',
      'timestamp',
      'metrics',
      'reasons',
    ])
    expect(parse(line)).toEqual({
      labels: LABELS,
      decision_id: 'd-1',
      bundles: { authz: { revision: 'rev-7' } },
      path: 'app/authz/decision',
      input: { user: 'bob', password: 'hunter2' },
      result: { allow: false, reasons: [{ code: 'no_role', message: 'bob has no role' }] },
      requested_by: '127.0.0.1:5000',
      timestamp: '2025-06-01T12:00:00.12Z',
      metrics: { timer_rego_query_eval_ns: 1234 },
      reasons: [{ code: 'no_role', message: 'bob has no role' }],
    })
  })

  it('omits input and result when absent and carries the error of a failed decision', () => {
    const event = parse(
      createEventProcessor({ labels: LABELS }).process(
        record({ input: undefined, result: undefined, error: { code: 'evaluation_error', message: 'boom' } }),
      ),
    )
    expect(event.input).toBeUndefined()
    expect(event.result).toBeUndefined()
    expect(event.reasons).toBeUndefined()
    expect(event.error).toEqual({ code: 'evaluation_error', message: 'boom' })
  })

  it('keeps integers beyond 2^53 exact through masking', () => {
    const rules = parseConfiguredMasks(['/input/password'], 'mask')
    const input = '{"id":12345678901234567890,"password":"x"}'
    const event = createEventProcessor({ labels: LABELS, rules }).process(record({ input }))
    expect(event).toContain('"input":{"id":12345678901234567890}')
  })

  it('hands the mask policy the event and applies its erase and upsert rules', () => {
    let seen: Record<string, unknown> | undefined
    const processor = createEventProcessor({
      labels: LABELS,
      evaluateMask: (bytes) => {
        seen = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
        return outcome('["/input/password",{"op":"upsert","path":"/result/reasons/0/message","value":"-"}]')
      },
    })
    const event = parse(processor.process(record()))
    expect(seen?.input).toEqual({ user: 'bob', password: 'hunter2' })
    expect(seen?.decision_id).toBe('d-1')
    expect(event.input).toEqual({ user: 'bob' })
    expect(event.erased).toEqual(['/input/password'])
    expect(event.masked).toEqual(['/result/reasons/0/message'])
    // reasons are taken from the masked result, so masking them there masks them here too
    expect(event.reasons).toEqual([{ code: 'no_role', message: '-' }])
  })

  it('applies configured pointers after the policy, erasing from every event', () => {
    const rules = parseConfiguredMasks(['/input/password', '/result/reasons'], '--decision-log-mask')
    const event = parse(createEventProcessor({ labels: LABELS, rules }).process(record()))
    expect(event.input).toEqual({ user: 'bob' })
    expect(event.result).toEqual({ allow: false })
    expect(event.reasons).toBeUndefined()
    expect(event.erased).toEqual(['/input/password', '/result/reasons'])
  })

  it('skips the mask when the bundles have no mask entrypoint', () => {
    const event = parse(
      createEventProcessor({ labels: LABELS, evaluateMask: () => undefined }).process(record()),
    )
    expect(event.input).toEqual({ user: 'bob', password: 'hunter2' })
    expect(event.erased).toBeUndefined()
  })

  it('drops the event, never logs it unmasked, when the mask policy fails or answers nonsense', () => {
    const throwing = createEventProcessor({
      labels: LABELS,
      evaluateMask: () => {
        throw new Error('wasm trap')
      },
    })
    expect(throwing.process(record())).toMatchObject({ dropped: 'mask_error' })
    const malformed = createEventProcessor({ labels: LABELS, evaluateMask: () => outcome('["/secret/x"]') })
    expect(malformed.process(record())).toMatchObject({ dropped: 'mask_error' })
  })

  it('drops the event when the drop policy says true', () => {
    const processor = createEventProcessor({
      labels: LABELS,
      evaluateDrop: (bytes) => outcome(String(new TextDecoder().decode(bytes).includes('"user":"bob"'))),
    })
    expect(processor.process(record())).toMatchObject({ dropped: 'drop_policy' })
    expect(typeof processor.process(record({ input: '{"user":"eve"}' }))).toBe('string')
  })

  it('drops the event when the drop policy fails, as OPA does', () => {
    const processor = createEventProcessor({
      labels: LABELS,
      evaluateDrop: () => {
        throw new Error('wasm trap')
      },
    })
    expect(processor.process(record())).toMatchObject({ dropped: 'drop_error' })
  })

  it('formats timestamps as Go RFC3339Nano and addresses as OPA requested_by', () => {
    expect(rfc3339Nano(Date.UTC(2019, 5, 3, 20, 7, 16, 939))).toBe('2019-06-03T20:07:16.939Z')
    expect(rfc3339Nano(Date.UTC(2019, 5, 3, 20, 7, 16, 0))).toBe('2019-06-03T20:07:16Z')
    expect(rfc3339Nano(Date.UTC(2019, 5, 3, 20, 7, 16, 939) + 0.402)).toBe('2019-06-03T20:07:16.939402Z')
    expect(remoteAddr('::1', 59943)).toBe('[::1]:59943')
    expect(remoteAddr('127.0.0.1', 36412)).toBe('127.0.0.1:36412')
  })
})
