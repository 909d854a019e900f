// Where encoded decision-log events go. A sink takes batches of event JSON texts and must never throw or block the
// caller: it buffers, writes or uploads on its own time and counts what it could not deliver. The no-op sink is
// for a decision log that is switched off but still wired (and for measuring the cost of everything else).

export type SinkState = 'not_ready' | 'ok' | 'error'

/** Why an event was not delivered; the label of the dropped-events counter. */
export type DropReason =
  | 'buffer_full'
  | 'sink_buffer_full'
  | 'too_large'
  | 'mask_error'
  | 'drop_error'
  | 'encode_error'
  | 'drop_policy'
  | 'sampled'
  | 'path_rule'
  | 'stopped'

export type OnDrop = (reason: DropReason, count: number) => void
export type OnDelivered = (sink: string, count: number) => void

export interface SinkStats {
  name: string
  state: SinkState
  /** Events accepted for delivery and not yet delivered. */
  bufferedEvents: number
  bufferedBytes: number
  delivered: number
  dropped: number
  lastError?: string | undefined
}

export interface DecisionLogSink {
  readonly name: string
  /** Takes encoded events (one JSON object text each, no newline). Never throws. */
  write(events: readonly string[]): void
  start(): Promise<void>
  /** Delivers what it can within its own deadline, then releases its resources. */
  stop(): Promise<void>
  status(): SinkState
  stats(): SinkStats
}

export function createNoopSink(name = 'noop'): DecisionLogSink {
  let delivered = 0
  return {
    name,
    write(events) {
      delivered += events.length
    },
    start: async () => {},
    stop: async () => {},
    status: () => 'ok',
    stats: () => ({ name, state: 'ok', bufferedEvents: 0, bufferedBytes: 0, delivered, dropped: 0 }),
  }
}
