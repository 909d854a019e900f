// The decision log: one OPA-shaped event per decision, to every configured sink. record() is the only part on the
// request path and does constant work: sample, stamp the time, enqueue a reference (dropping and counting when
// the bounded queue is full), schedule a drain. The drain runs in setImmediate batches, after the pending I/O of
// the turn, and does the costly work there: decode, drop and mask policies, encode, hand lines to sinks.
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { systemClock } from '../clock.js'
import type { DecisionRecord } from './decision-event.js'
import { createEventDrain, type EventDrain } from './event-drain.js'
import { createEventProcessor } from './event-processor.js'
import type { LogPolicyEvaluator } from './log-policy.js'
import type { MaskRule } from './mask-rules.js'
import { createSampler, type SamplingConfig } from './sampling.js'
import type { DecisionLogSink, DropReason, OnDrop, SinkState, SinkStats } from './sink.js'

export interface DecisionLoggerOptions {
  sinks: readonly DecisionLogSink[]
  /** Instance labels: OPA sends `id` and `version` and any configured ones. */
  labels: { id: string; version: string } & Record<string, string>
  mask?: {
    /** Configured pointers (parseConfiguredMasks), erased from every event. */
    rules?: readonly MaskRule[] | undefined
    /** data.system.log.mask from the bundles (logPolicyEvaluators). */
    evaluateMask?: LogPolicyEvaluator | undefined
  }
  /** data.system.log.drop from the bundles. */
  evaluateDrop?: LogPolicyEvaluator | undefined
  /** Bounds of the queue between record() and the drain (default 10,000 events, 64 MiB). */
  buffer?: { maxEvents?: number | undefined; maxBytes?: number | undefined }
  sampling?: SamplingConfig | undefined
  /** Events processed per setImmediate turn before yielding to I/O (default 256). */
  batchSize?: number
  clock?: Clock
  log: Logger
  onDrop?: OnDrop | undefined
  /** Defers a drain turn (default setImmediate). */
  defer?: (run: () => void) => void
}

export interface DecisionLogStats {
  state: SinkState
  recorded: number
  /** Events waiting for the drain. */
  pendingEvents: number
  pendingBytes: number
  /** Waiting for the drain plus waiting in sinks. */
  bufferedEvents: number
  bufferedBytes: number
  dropped: Partial<Record<DropReason, number>>
  sinks: SinkStats[]
}

export interface DecisionLogger {
  /** Logs one decision. Constant work; never throws, never waits. The record must not be mutated afterwards. */
  record(event: DecisionRecord): void
  start(): Promise<void>
  /** Drains what was recorded, then stops every sink (each within its own deadline). */
  stop(): Promise<void>
  /** Drains the queue now (tests, shutdown). */
  drain(): void
  status(): SinkState
  stats(): DecisionLogStats
}

// A fixed cost per event on top of its input and result text: labels, ids, bundles, timestamp.
const EVENT_OVERHEAD_BYTES = 256

const sizeOf = (event: DecisionRecord): number => {
  const input = event.input
  const inputSize = input === undefined ? 0 : typeof input === 'string' ? input.length : input.byteLength
  return EVENT_OVERHEAD_BYTES + inputSize + (event.result?.length ?? 0)
}

export function createDecisionLogger(options: DecisionLoggerOptions): DecisionLogger {
  const { sinks } = options
  const clock = options.clock ?? systemClock
  const sample = createSampler(options.sampling)
  const dropped: Partial<Record<DropReason, number>> = {}
  let recorded = 0
  let started = false
  let stopped = false

  const drop = (reason: DropReason, count = 1): void => {
    dropped[reason] = (dropped[reason] ?? 0) + count
    options.onDrop?.(reason, count)
  }
  const events = createDrain(options, clock, drop)
  const status = (): SinkState => (started ? sinksState(sinks) : 'not_ready')

  return {
    record(event) {
      if (stopped) {
        drop('stopped')
        return
      }
      const skip = sample(event)
      if (skip !== undefined) {
        drop(skip)
        return
      }
      if (event.timestampMs === undefined) event.timestampMs = clock.now()
      const size = sizeOf(event)
      if (!events.fits(size)) {
        drop('buffer_full')
        return
      }
      recorded++
      events.push(event, size)
    },
    async start() {
      await Promise.all(sinks.map((sink) => sink.start()))
      started = true
    },
    async stop() {
      if (stopped) return
      stopped = true
      events.drainAll()
      await Promise.all(sinks.map((sink) => sink.stop()))
    },
    drain: events.drainAll,
    status,
    stats: () => loggerStats(events.queue, sinks, recorded, dropped, status),
  }
}

/** The drain behind record(), with the processor that turns records into event lines. */
function createDrain(
  options: DecisionLoggerOptions,
  clock: Clock,
  drop: (reason: DropReason) => void,
): EventDrain {
  return createEventDrain({
    sinks: options.sinks,
    processor: createEventProcessor({
      labels: options.labels,
      rules: options.mask?.rules,
      evaluateMask: options.mask?.evaluateMask,
      evaluateDrop: options.evaluateDrop,
      now: () => clock.now(),
    }),
    buffer: options.buffer,
    batchSize: options.batchSize ?? 256,
    defer: options.defer ?? setImmediate,
    clock,
    log: options.log,
    drop,
  })
}

function sinksState(sinks: readonly DecisionLogSink[]): SinkState {
  for (const sink of sinks) if (sink.status() === 'error') return 'error'
  return 'ok'
}

function loggerStats(
  queue: { readonly length: number; readonly bytes: number },
  sinks: readonly DecisionLogSink[],
  recorded: number,
  dropped: Partial<Record<DropReason, number>>,
  status: () => SinkState,
): DecisionLogStats {
  const sinkStats = sinks.map((sink) => sink.stats())
  let bufferedEvents = queue.length
  let bufferedBytes = queue.bytes
  for (const sink of sinkStats) {
    bufferedEvents += sink.bufferedEvents
    bufferedBytes += sink.bufferedBytes
  }
  return {
    state: status(),
    recorded,
    pendingEvents: queue.length,
    pendingBytes: queue.bytes,
    bufferedEvents,
    bufferedBytes,
    dropped: { ...dropped },
    sinks: sinkStats,
  }
}
