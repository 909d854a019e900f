import { describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../engine/activation/policy-registry.js'
import type { DecisionRecord } from '../../../engine/decision-log/decision-event.js'
import type { EvalOutcome, PolicySet } from '../../../engine/policy/policy-set.js'
import { createShadowRecorder } from '../../../engine/shadow/shadow-recorder.js'
import { silentLog } from '../../helpers/app.js'

/** A policy set answering `allow` for inputs whose "ok" is true; "boom" fails. */
function fakeSet(revision: string, answer: (input: Record<string, unknown>) => EvalOutcome): PolicySet {
  const evaluate = (_path: string, input: Uint8Array | undefined): EvalOutcome => {
    const parsed = JSON.parse(new TextDecoder().decode(input)) as Record<string, unknown>
    if (parsed.boom === true) throw new Error('shadow policy failed')
    return answer(parsed)
  }
  return {
    bundles: [],
    revisions: { shadow: revision },
    entrypoints: [],
    policies: new Map(),
    deterministic: false,
    dataSize: 0,
    evaluate: async (path, input) => evaluate(path, input),
    evaluateEntrypoint: evaluate,
    close() {},
    dataDocument: () => ({}),
  }
}

const record = (id: string, input: object, result: string | undefined): DecisionRecord => ({
  decisionId: id,
  path: 'authz/allow',
  input: new TextEncoder().encode(JSON.stringify(input)),
  result,
  revisions: { main: 'r1' },
})

function setUp(maxEvents = 100, onDivergence?: (event: DecisionRecord, change: string) => void) {
  const registry = createPolicyRegistry()
  registry.activate(fakeSet('s1', (input) => ({ defined: true, json: String(input.ok === true) })))
  const passed: DecisionRecord[] = []
  const turns: Array<() => void> = []
  const recorder = createShadowRecorder({
    registry,
    next: { record: (event) => passed.push(event) },
    queue: { maxEvents },
    log: silentLog,
    defer: (run) => turns.push(run),
    onDivergence,
  })
  const drain = async (): Promise<void> => {
    while (turns.length > 0) turns.shift()!()
    await recorder.drained()
  }
  return { registry, recorder, passed, drain }
}

describe('shadow recorder', () => {
  it('does nothing on record() but enqueue: the shadow decides in a later turn', async () => {
    const { recorder, passed, drain } = setUp()
    recorder.record(record('a', { ok: true }, 'false'))
    expect(passed).toEqual([])
    await drain()
    expect(passed.map((e) => e.shadow)).toEqual([{ revision: 's1', result: 'true', change: 'newly_allowed' }])
  })

  it('counts every change kind and keeps the divergent decisions newest first', async () => {
    const { recorder, drain } = setUp()
    recorder.record(record('same', { ok: true }, 'true'))
    recorder.record(record('denied', { ok: false }, 'true'))
    recorder.record(record('allowed', { ok: true }, 'false'))
    recorder.record(record('failed', { boom: true }, 'true'))
    await drain()
    expect(recorder.status().decisions).toEqual({
      unchanged: 1,
      newly_allowed: 1,
      newly_denied: 1,
      changed: 0,
      error: 1,
    })
    expect(recorder.recentDivergences().map((e) => e.decisionId)).toEqual(['failed', 'allowed', 'denied'])
    expect(recorder.recentDivergences(1)[0]!.shadow?.error?.message).toContain('shadow policy failed')
  })

  it('reports each divergent decision, and only those, to its listener', async () => {
    const reported: string[] = []
    const { recorder, passed, drain } = setUp(100, (event, change) => {
      reported.push(`${event.decisionId}:${change}`)
      if (event.decisionId === 'allowed') throw new Error('listener failed')
    })
    recorder.record(record('same', { ok: true }, 'true'))
    recorder.record(record('denied', { ok: false }, 'true'))
    recorder.record(record('allowed', { ok: true }, 'false'))
    await drain()
    expect(reported).toEqual(['denied:newly_denied', 'allowed:newly_allowed'])
    // a failing listener changes nothing downstream
    expect(passed.map((e) => e.decisionId)).toEqual(['same', 'denied', 'allowed'])
  })

  it('drops and counts shadow work past the queue bound, still passing every event on', async () => {
    const { recorder, passed, drain } = setUp(2)
    for (let i = 0; i < 5; i++) recorder.record(record(`e${i}`, { ok: true }, 'true'))
    expect(passed.map((e) => e.decisionId)).toEqual(['e2', 'e3', 'e4'])
    await drain()
    expect(passed).toHaveLength(5)
    expect(recorder.status().dropped.queue_full).toBe(3)
    expect(recorder.status().decisions.unchanged).toBe(2)
  })

  it('passes failed enforced decisions on unshadowed', async () => {
    const { recorder, passed, drain } = setUp()
    recorder.record({
      ...record('x', { ok: true }, undefined),
      error: { code: 'internal_error', message: 'm' },
    })
    await drain()
    expect(passed[0]!.shadow).toBeUndefined()
    expect(recorder.status().decisions.unchanged + recorder.status().decisions.error).toBe(0)
  })

  it('starts its counts again when another shadow bundle is activated', async () => {
    const { registry, recorder, drain } = setUp()
    recorder.record(record('a', { ok: false }, 'true'))
    await drain()
    registry.activate(fakeSet('s2', () => ({ defined: false })))
    expect(recorder.status()).toMatchObject({ revisions: { shadow: 's2' }, decisions: { newly_denied: 0 } })
    recorder.record(record('b', { ok: true }, 'true'))
    await drain()
    expect(recorder.status().decisions.newly_denied).toBe(1)
  })
})
