import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { DecisionRecord } from '../../../engine/decision-log/decision-event.js'
import {
  createDecisionLogger,
  type DecisionLoggerOptions,
} from '../../../engine/decision-log/decision-logger.js'
import type { DecisionLogSink, DropReason, SinkState } from '../../../engine/decision-log/sink.js'

const silent = pino({ level: 'silent' })
const LABELS = { id: 'i-1', version: 'test' }

function collectingSink(): DecisionLogSink & { lines: string[]; state: SinkState } {
  const sink = {
    name: 'memory',
    lines: [] as string[],
    state: 'ok' as SinkState,
    write(events: readonly string[]) {
      sink.lines.push(...events)
    },
    start: async () => {},
    stop: async () => {},
    status: () => sink.state,
    stats: () => ({
      name: 'memory',
      state: sink.state,
      bufferedEvents: 0,
      bufferedBytes: 0,
      delivered: sink.lines.length,
      dropped: 0,
    }),
  }
  return sink
}

let counter = 0
const decision = (result: string | undefined, overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
  decisionId: `d-${++counter}`,
  path: 'app/authz/decision',
  input: '{"user":"bob"}',
  result,
  revisions: {},
  ...overrides,
})

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function logger(overrides: Partial<DecisionLoggerOptions> = {}) {
  const sink = collectingSink()
  const drops: Array<[DropReason, number]> = []
  const log = createDecisionLogger({
    sinks: [sink],
    labels: LABELS,
    log: silent,
    onDrop: (reason, count) => drops.push([reason, count]),
    ...overrides,
  })
  return { log, sink, drops }
}

describe('decision logger', () => {
  it('returns from record() before any event is encoded, and delivers on a later turn', async () => {
    const { log, sink } = logger()
    await log.start()
    log.record(decision('true'))
    expect(sink.lines).toHaveLength(0)
    await nextTurn()
    expect(sink.lines).toHaveLength(1)
    expect(JSON.parse(sink.lines[0]!).result).toBe(true)
  })

  it('drops and counts events when its buffer is full, without blocking the caller', async () => {
    const { log, sink, drops } = logger({ buffer: { maxEvents: 3 } })
    for (let i = 0; i < 5; i++) log.record(decision('false'))
    expect(log.stats().pendingEvents).toBe(3)
    expect(log.stats().dropped).toEqual({ buffer_full: 2 })
    expect(drops).toEqual([
      ['buffer_full', 1],
      ['buffer_full', 1],
    ])
    await nextTurn()
    expect(sink.lines).toHaveLength(3)
  })

  it('bounds the buffer by bytes as well as by events', () => {
    const { log } = logger({ buffer: { maxBytes: 1000 } })
    log.record(decision('false', { input: 'x'.repeat(600) }))
    log.record(decision('false', { input: 'x'.repeat(600) }))
    expect(log.stats().dropped).toEqual({ buffer_full: 1 })
  })

  it('samples allow decisions but always keeps denies, undefined decisions and errors', async () => {
    const { log, sink } = logger({ sampling: { allowRate: 0 } })
    log.record(decision('true'))
    log.record(decision('{"allow":true,"reasons":[]}'))
    log.record(decision('{"allow":false}'))
    log.record(decision(undefined))
    log.record(decision(undefined, { error: { code: 'evaluation_error', message: 'x' }, outcome: 'error' }))
    await nextTurn()
    expect(sink.lines).toHaveLength(3)
    expect(log.stats().dropped).toEqual({ sampled: 2 })
  })

  it('keeps a sampled share of allow decisions', async () => {
    let draw = 0
    const { log, sink } = logger({ sampling: { allowRate: 0.5, random: () => (draw++ % 2) * 0.9 } })
    for (let i = 0; i < 10; i++) log.record(decision('true'))
    await nextTurn()
    expect(sink.lines).toHaveLength(5)
  })

  it('never logs decisions under a dropped path prefix', async () => {
    const { log, sink } = logger({ sampling: { dropPathPrefixes: ['/health/', 'system/log'] } })
    log.record(decision('true', { path: 'health' }))
    log.record(decision('true', { path: 'health/live' }))
    log.record(decision('true', { path: 'healthz' }))
    log.record(decision('true', { path: 'system/log/mask' }))
    await nextTurn()
    expect(sink.lines.map((line) => JSON.parse(line).path)).toEqual(['healthz'])
    expect(log.stats().dropped).toEqual({ path_rule: 3 })
  })

  it('processes large backlogs in bounded turns so I/O interleaves', async () => {
    const { log, sink } = logger({ batchSize: 10 })
    for (let i = 0; i < 35; i++) log.record(decision('false'))
    await nextTurn()
    expect(sink.lines).toHaveLength(10)
    await nextTurn()
    expect(sink.lines).toHaveLength(20)
  })

  it('drains on stop and counts what is recorded afterwards', async () => {
    const { log, sink } = logger()
    await log.start()
    log.record(decision('false'))
    await log.stop()
    expect(sink.lines).toHaveLength(1)
    log.record(decision('false'))
    expect(log.stats().dropped).toEqual({ stopped: 1 })
  })

  it('reports not_ready before start, then the worst state of its sinks', async () => {
    const { log, sink } = logger()
    expect(log.status()).toBe('not_ready')
    await log.start()
    expect(log.status()).toBe('ok')
    sink.state = 'error'
    expect(log.status()).toBe('error')
  })

  it('stamps the time from the injected clock', async () => {
    const clock = { now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6), setTimeout, clearTimeout }
    const { log, sink } = logger({ clock: clock as never })
    log.record(decision('false'))
    await nextTurn()
    expect(JSON.parse(sink.lines[0]!).timestamp).toBe('2030-01-02T03:04:05.006Z')
  })
})
