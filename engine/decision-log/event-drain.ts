// The drain between record() and the sinks: recorded events wait in a bounded queue and are processed in deferred
// batches (setImmediate by default, so after the pending I/O of the turn): decode, drop and mask policies, encode,
// then the lines go to every sink. Nothing here runs on the request path except fits() and push().
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { DEFAULTS } from '../config/defaults.js'
import { describeThrown } from '../errors.js'
import { BoundedQueue } from './bounded-queue.js'
import type { DecisionRecord } from './decision-event.js'
import type { EventProcessor } from './event-processor.js'
import type { DecisionLogSink, DropReason } from './sink.js'

export interface EventDrainOptions {
  sinks: readonly DecisionLogSink[]
  processor: EventProcessor
  buffer: { maxEvents?: number | undefined; maxBytes?: number | undefined } | undefined
  /** Events processed per deferred turn before yielding to I/O. */
  batchSize: number
  defer: (run: () => void) => void
  clock: Clock
  log: Logger
  drop: (reason: DropReason) => void
}

export interface EventDrain {
  /** The events waiting (for stats). */
  readonly queue: BoundedQueue<DecisionRecord>
  fits(size: number): boolean
  /** Queues an event that fits and makes sure a drain turn is scheduled. */
  push(event: DecisionRecord, size: number): void
  /** Processes everything queued, now (tests, shutdown). */
  drainAll(): void
}

const ERROR_LOG_INTERVAL_MS = 10_000

export function createEventDrain(options: EventDrainOptions): EventDrain {
  const { sinks, processor, batchSize, defer, log, drop } = options
  const queue = new BoundedQueue<DecisionRecord>({
    maxItems: options.buffer?.maxEvents ?? DEFAULTS.decisionLog.bufferEvents,
    maxBytes: options.buffer?.maxBytes ?? DEFAULTS.decisionLog.bufferBytes,
  })
  const reportFailure = createFailureReporter(options.clock, log)
  let scheduled = false

  const processBatch = (limit: number): void => {
    const lines: string[] = []
    for (let i = 0; i < limit; i++) {
      const event = queue.shift()
      if (event === undefined) break
      const line = processor.process(event)
      if (typeof line === 'string') lines.push(line)
      else {
        drop(line.dropped)
        if (line.error !== undefined) reportFailure(event, line.dropped, line.error)
      }
    }
    if (lines.length > 0) writeToSinks(sinks, lines, log)
  }

  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    defer(turn)
  }

  const turn = (): void => {
    scheduled = false
    try {
      processBatch(batchSize)
    } catch (error) {
      // Not expected (processing and sinks catch their own failures); never let it take the server down.
      log.error({ err: describeThrown(error) }, 'decision log batch failed')
    }
    if (queue.length > 0) schedule()
  }

  return {
    queue,
    fits: (size) => queue.fits(size),
    push(event, size) {
      queue.push(event, size)
      schedule()
    },
    drainAll() {
      while (queue.length > 0) processBatch(batchSize)
    },
  }
}

function writeToSinks(sinks: readonly DecisionLogSink[], lines: string[], log: Logger): void {
  for (const sink of sinks) {
    try {
      sink.write(lines)
    } catch (error) {
      // Sinks must not throw; if one does, the others still get the events.
      log.error({ sink: sink.name, err: describeThrown(error) }, 'decision log sink failed')
    }
  }
}

/** Logs why an event was dropped, at most once per interval, with how many were not logged in between. */
function createFailureReporter(
  clock: Clock,
  log: Logger,
): (event: DecisionRecord, reason: DropReason, error: unknown) => void {
  let lastErrorLogAt = Number.NEGATIVE_INFINITY
  let suppressedErrors = 0
  return (event, reason, error) => {
    // A broken mask policy fails every event; say so at most every few seconds, with how many were not said.
    const now = clock.now()
    if (now - lastErrorLogAt < ERROR_LOG_INTERVAL_MS) {
      suppressedErrors++
      return
    }
    log.error(
      { decision_id: event.decisionId, reason, err: describeThrown(error), suppressed: suppressedErrors },
      'decision log event dropped',
    )
    lastErrorLogAt = now
    suppressedErrors = 0
  }
}
