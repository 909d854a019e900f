// Shadow evaluation: every decision the server makes is made again by the shadow bundle on the same input, off
// the response path. The recorder sits where decisions are recorded (between the decision observer and the
// decision log), so the enforced answer has been computed and handed back before anything here runs: record()
// only enqueues a reference into a bounded queue (a full queue drops the shadow evaluation, counted, and the event
// is logged without it); a setImmediate drain re-decides with the shadow set, compares, counts, keeps recent
// divergences and passes the event on with its `shadow` member. Nothing here can change an answer, and a missing
// or failing shadow bundle only shows up as shadow errors.
import type { Logger } from 'pino'
import type { PolicyRegistry } from '../activation/index.js'
import type { DecisionLogger, DecisionRecord, ShadowOutcome } from '../decision-log/index.js'
import { BoundedQueue } from '../decision-log/index.js'
import { describeThrown, toClearanceError } from '../errors.js'
import type { PolicySet } from '../policy/index.js'
import {
  classifyChange,
  DECISION_CHANGES,
  type DecisionAnswer,
  type DecisionChange,
} from '../rollout/index.js'

export interface ShadowStatus {
  /** Bundle name → revision of the active shadow bundles; empty before the first activation. */
  revisions: Record<string, string>
  /** When the current shadow bundles were activated (RFC 3339); counts below start there. */
  active_since: string | undefined
  decisions: Record<DecisionChange, number>
  /** Decisions not shadowed because the queue was full, or no shadow bundle was active. */
  dropped: { queue_full: number; not_active: number }
}

export interface ShadowRecorderOptions {
  registry: PolicyRegistry
  /** Where events go next (the decision log); none: shadow results feed only metrics, status and divergences. */
  next?: Pick<DecisionLogger, 'record'> | undefined
  /** Decisions waiting for shadow evaluation before new ones are dropped (default 10,000; 32 MiB). */
  queue?: { maxEvents?: number | undefined; maxBytes?: number | undefined }
  /** Shadow evaluations in flight at once (default 32). */
  concurrency?: number
  /** Divergent decisions kept for GET /v1/shadow/divergences (default 100). */
  recentDivergences?: number
  onShadowDecision?: ((path: string, change: DecisionChange) => void) | undefined
  /** Each decision the shadow bundle answers differently, once compared (the service map counts them per edge). */
  onDivergence?: ((event: DecisionRecord, change: Exclude<DecisionChange, 'unchanged'>) => void) | undefined
  onDropped?: ((reason: 'queue_full' | 'not_active') => void) | undefined
  log: Logger
  now?: () => number
  defer?: (run: () => void) => void
}

export interface ShadowRecorder {
  /** Takes the event a decision produced; constant work, never throws. */
  record(event: DecisionRecord): void
  status(): ShadowStatus
  /** The most recent divergent decisions, newest first, at most `limit`. */
  recentDivergences(limit?: number): DecisionRecord[]
  /** Resolves once every queued decision has been shadowed and passed on (tests, shutdown). */
  drained(): Promise<void>
}

const EVENT_OVERHEAD_BYTES = 256
const encoder = new TextEncoder()

function zeroCounts(): Record<DecisionChange, number> {
  return Object.fromEntries(DECISION_CHANGES.map((change) => [change, 0])) as Record<DecisionChange, number>
}

/** One revision string for a set's bundles: the revision itself for one bundle, "name@rev,…" for several. */
export function shadowRevision(set: PolicySet): string {
  const entries = Object.entries(set.revisions)
  if (entries.length === 1) return entries[0]![1]
  return entries.map(([name, revision]) => `${name}@${revision}`).join(',')
}

function enforcedAnswer(event: DecisionRecord): DecisionAnswer {
  if (event.error !== undefined) return { kind: 'error', ...event.error }
  return event.result === undefined ? { kind: 'undefined' } : { kind: 'result', json: event.result }
}

export function createShadowRecorder(options: ShadowRecorderOptions): ShadowRecorder {
  const { registry, next, log } = options
  const now = options.now ?? Date.now
  const defer = options.defer ?? setImmediate
  const concurrency = options.concurrency ?? 32
  const keep = options.recentDivergences ?? 100
  const queue = new BoundedQueue<DecisionRecord>({
    maxItems: options.queue?.maxEvents ?? 10_000,
    maxBytes: options.queue?.maxBytes ?? 32 * 1024 * 1024,
  })
  let counts = zeroCounts()
  const dropped = { queue_full: 0, not_active: 0 }
  let recent: DecisionRecord[] = []
  let recentHead = 0
  let inFlight = 0
  let scheduled = false
  let idle: Array<() => void> = []
  registry.onActivate(() => {
    counts = zeroCounts()
    dropped.queue_full = 0
    dropped.not_active = 0
    recent = []
    recentHead = 0
  })

  const pass = (event: DecisionRecord): void => {
    try {
      next?.record(event)
    } catch (thrown) {
      log.error({ err: describeThrown(thrown) }, 'decision log refused a shadowed event')
    }
  }

  const remember = (event: DecisionRecord): void => {
    if (keep <= 0) return
    if (recent.length < keep) recent.push(event)
    else {
      recent[recentHead] = event
      recentHead = (recentHead + 1) % keep
    }
  }

  const settle = (event: DecisionRecord, set: PolicySet, shadow: DecisionAnswer): void => {
    let change: DecisionChange
    try {
      change = classifyChange(enforcedAnswer(event), shadow)
    } catch {
      change = 'error'
    }
    const outcome: ShadowOutcome = { revision: shadowRevision(set), change }
    if (shadow.kind === 'result') outcome.result = shadow.json
    if (shadow.kind === 'error') outcome.error = { code: shadow.code, message: shadow.message }
    event.shadow = outcome
    counts[change]++
    options.onShadowDecision?.(event.path, change)
    if (change !== 'unchanged') {
      remember(event)
      try {
        options.onDivergence?.(event, change)
      } catch (thrown) {
        log.error({ err: describeThrown(thrown) }, 'shadow divergence listener failed')
      }
    }
    pass(event)
  }

  const evaluate = (event: DecisionRecord, set: PolicySet): void => {
    const input = typeof event.input === 'string' ? encoder.encode(event.input) : event.input
    inFlight++
    let pending: Promise<{ defined: false } | { defined: true; json: string }>
    try {
      pending = set.evaluate(event.path, input)
    } catch (thrown) {
      pending = Promise.reject(thrown)
    }
    pending.then(
      (outcome) => {
        inFlight--
        settle(event, set, outcome.defined ? { kind: 'result', json: outcome.json } : { kind: 'undefined' })
        pump()
      },
      (thrown: unknown) => {
        inFlight--
        const error = toClearanceError(thrown, 'evaluation_error')
        settle(event, set, { kind: 'error', code: error.code, message: error.message })
        pump()
      },
    )
  }

  const pump = (): void => {
    while (inFlight < concurrency) {
      const event = queue.shift()
      if (event === undefined) break
      // the shadow set of the moment: one swapped in meanwhile decides what is still queued
      const set = registry.current()
      if (set === undefined) {
        dropped.not_active++
        options.onDropped?.('not_active')
        pass(event)
      } else evaluate(event, set)
    }
    if (queue.length === 0 && inFlight === 0) {
      const waiting = idle
      idle = []
      for (const resolve of waiting) resolve()
    }
  }

  const turn = (): void => {
    scheduled = false
    pump()
  }

  return {
    record(event) {
      // an enforced decision that failed has no answer to compare; it is logged as it is
      if (event.error !== undefined || event.outcome === 'error') {
        pass(event)
        return
      }
      if (registry.current() === undefined) {
        dropped.not_active++
        options.onDropped?.('not_active')
        pass(event)
        return
      }
      if (event.timestampMs === undefined) event.timestampMs = now()
      const input = event.input
      const size =
        EVENT_OVERHEAD_BYTES +
        (input === undefined ? 0 : typeof input === 'string' ? input.length : input.byteLength) +
        (event.result?.length ?? 0)
      if (!queue.fits(size)) {
        dropped.queue_full++
        options.onDropped?.('queue_full')
        pass(event)
        return
      }
      queue.push(event, size)
      if (!scheduled) {
        scheduled = true
        defer(turn)
      }
    },
    status() {
      const set = registry.current()
      const activatedAt = registry.activatedAt()
      return {
        revisions: set === undefined ? {} : { ...set.revisions },
        active_since: activatedAt === undefined ? undefined : new Date(activatedAt).toISOString(),
        decisions: { ...counts },
        dropped: { ...dropped },
      }
    },
    recentDivergences(limit = keep) {
      const ordered = [...recent.slice(recentHead), ...recent.slice(0, recentHead)].reverse()
      return ordered.slice(0, Math.max(0, limit))
    },
    drained() {
      if (queue.length === 0 && inFlight === 0 && !scheduled) return Promise.resolve()
      return new Promise((resolve) => idle.push(resolve))
    },
  }
}
