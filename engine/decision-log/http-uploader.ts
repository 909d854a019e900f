// The HTTP decision-log sink in OPA's protocol (docs "Decision Log Service API"): events wait in a bounded buffer
// and are POSTed to <service url><resource> (default /logs) as gzipped JSON arrays within upload_size_limit_bytes.
// Uploads run on OPA's schedule: every min..max delay with jitter, and at once when a full chunk is waiting. A
// failed chunk goes back to the front of the buffer and is retried with OPA's exponential backoff (a 429 or 503
// waits at least its Retry-After). While the service is down the buffer fills; past its bounds the oldest events
// are dropped and counted, as OPA drops them.
import type { Logger } from 'pino'
import type { Clock, TimerHandle } from '../clock.js'
import { systemClock } from '../clock.js'
import { DEFAULTS } from '../config/defaults.js'
import type { HttpCredentials } from '../net/index.js'
import { createUploadClient, pollDelay, type UploadClient, type UploadResponse } from '../net/index.js'
import { BoundedQueue } from './bounded-queue.js'
import { type Chunk, type ChunkEncoder, createChunkEncoder } from './chunk-encoder.js'
import type { DecisionLogSink, DropReason, OnDelivered, OnDrop, SinkState, SinkStats } from './sink.js'

export interface HttpUploaderOptions {
  /** The decision-log service's URL. */
  url: string
  /** Path under the URL (OPA's decision_logs.resource, default "/logs"). */
  resource?: string | undefined
  credentials?: HttpCredentials | undefined
  /** Largest gzipped body (OPA's reporting.upload_size_limit_bytes, default 32768). */
  uploadSizeLimitBytes?: number | undefined
  /** Buffer bounds (OPA's buffer_size_limit_events default 10,000; bytes default 64 MiB). */
  buffer?: { maxEvents?: number | undefined; maxBytes?: number | undefined } | undefined
  /** Delay between periodic uploads, and the cap of retry backoff (OPA's reporting min/max_delay_seconds). */
  minDelayMs?: number | undefined
  maxDelayMs?: number | undefined
  /**
   * gzip level, 1 (fastest) to 9 (smallest). Default 1: decision events are so repetitive that level 1 comes
   * within a few percent of level 6's size for about half the CPU, and that CPU is the PDP's.
   */
  gzipLevel?: number | undefined
  /** One request's deadline (default 10 s). */
  timeoutMs?: number | undefined
  /** How long stop() keeps uploading what is left (default 5 s). */
  stopTimeoutMs?: number | undefined
  clock?: Clock | undefined
  random?: (() => number) | undefined
  log?: Logger | undefined
  onDrop?: OnDrop | undefined
  onDelivered?: OnDelivered | undefined
  /** Replaces the node:http client (tests). */
  client?: UploadClient | undefined
}

export interface HttpUploader extends DecisionLogSink {
  /** Uploads everything buffered now; resolves false when an upload failed (what is left stays buffered). */
  flush(): Promise<boolean>
}

/** OPA's defaults are 300..600 s; a PDP's audit trail should lag less, so Clearance's are 5..10 s. */

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date); undefined when absent or bad. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function uploadUrl(url: string, resource = '/logs'): string {
  return `${url.replace(/\/+$/, '')}/${resource.replace(/^\/+/, '')}`
}

export function createHttpUploader(options: HttpUploaderOptions): HttpUploader {
  const uploader = new Uploader(options)
  return {
    name: uploader.name,
    write: (events) => uploader.write(events),
    start: () => uploader.start(),
    flush: () => uploader.flush(),
    stop: () => uploader.stop(),
    status: () => uploader.state,
    stats: () => uploader.stats(),
  }
}

/** The wait before retrying a failed upload: the backoff, or longer when a 429 or 503 asks for it (Retry-After). */
function retryDelay(response: UploadResponse, backoffMs: number, now: number): number {
  const asked = response.status === 429 || response.status === 503
  const wait = asked ? retryAfterMs(response.retryAfter, now) : undefined
  return wait === undefined ? backoffMs : Math.max(wait, backoffMs)
}

/** Runs `work` until it settles or `ms` pass, whichever is first. */
async function withDeadline(work: () => Promise<unknown>, clock: Clock, ms: number): Promise<void> {
  let deadlineTimer: TimerHandle | undefined
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = clock.setTimeout(resolve, ms)
  })
  await Promise.race([work(), deadline])
  clock.clearTimeout(deadlineTimer)
}

/** The buffer, the upload schedule and the counts behind one HTTP uploader. */
class Uploader {
  readonly name = 'http'
  state: SinkState = 'not_ready'
  private readonly clock: Clock
  private readonly random: () => number
  private readonly delays: { minDelayMs: number; maxDelayMs: number }
  private readonly target: string
  private readonly client: UploadClient
  private readonly queue: BoundedQueue<string>
  private readonly encoder: ChunkEncoder
  private lastError: string | undefined
  private delivered = 0
  private dropped = 0
  private failures = 0
  private timer: TimerHandle | undefined
  private running: Promise<boolean> | undefined
  private inFlight: Chunk | undefined
  private started = false
  private stopping = false
  private closed = false
  private readonly tick = (): void => this.run()

  constructor(private readonly options: HttpUploaderOptions) {
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
    this.delays = {
      minDelayMs: options.minDelayMs ?? DEFAULTS.decisionLog.minDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.decisionLog.maxDelayMs,
    }
    this.target = uploadUrl(options.url, options.resource)
    this.client =
      options.client ??
      createUploadClient({
        url: this.target,
        credentials: options.credentials,
        timeoutMs: options.timeoutMs ?? DEFAULTS.decisionLog.uploadTimeoutMs,
        clock: this.clock,
      })
    this.queue = new BoundedQueue<string>({
      maxItems: options.buffer?.maxEvents ?? DEFAULTS.decisionLog.bufferEvents,
      maxBytes: options.buffer?.maxBytes ?? DEFAULTS.decisionLog.bufferBytes,
    })
    this.encoder = createChunkEncoder(
      options.uploadSizeLimitBytes ?? DEFAULTS.decisionLog.uploadLimitBytes,
      options.gzipLevel ?? 1,
    )
  }

  write(events: readonly string[]): void {
    const { queue } = this
    for (const event of events) {
      const size = event.length
      if (!queue.couldFit(size)) {
        this.drop('too_large', 1)
        continue
      }
      this.drop('sink_buffer_full', queue.makeRoom(size))
      queue.push(event, size)
    }
    // A full chunk waiting is worth sending now, unless the service is failing (then backoff decides).
    if (
      this.started &&
      this.running === undefined &&
      this.failures === 0 &&
      queue.bytes >= this.encoder.targetBytes()
    ) {
      this.schedule(0)
    }
  }

  async start(): Promise<void> {
    this.started = true
    this.state = 'ok'
    this.schedule(pollDelay(this.delays, 0, this.random))
  }

  async flush(): Promise<boolean> {
    while (this.running !== undefined) await this.running
    this.run()
    return (await this.running) ?? false
  }

  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    while (this.running !== undefined) await this.running
    // One last push of what is buffered, bounded in time; what remains is lost with the process.
    await withDeadline(() => this.uploadAll(), this.clock, this.options.stopTimeoutMs ?? 5_000)
    this.closed = true
    this.discardUnsent()
    this.client.close()
  }

  stats(): SinkStats {
    const { queue, encoder, inFlight } = this
    return {
      name: this.name,
      state: this.state,
      bufferedEvents: queue.length + encoder.held().events + (inFlight?.events.length ?? 0),
      bufferedBytes: queue.bytes + encoder.held().bytes + (inFlight?.body.length ?? 0),
      delivered: this.delivered,
      dropped: this.dropped,
      lastError: this.lastError,
    }
  }

  private drop(reason: DropReason, count: number): void {
    if (count === 0) return
    this.dropped += count
    this.options.onDrop?.(reason, count)
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = this.stopping ? undefined : this.clock.setTimeout(this.tick, delayMs)
  }

  private run(): void {
    this.timer = undefined
    if (this.running !== undefined || this.stopping) return
    this.running = this.uploadAll().then(
      ({ ok, delayMs }) => {
        this.running = undefined
        this.schedule(delayMs)
        return ok
      },
      (error: unknown) => {
        // Not expected (the client never rejects); keep the schedule alive regardless.
        this.running = undefined
        this.options.log?.error({ err: String(error) }, 'decision log upload loop failed')
        this.schedule(pollDelay(this.delays, ++this.failures, this.random))
        return false
      },
    )
  }

  /** Uploads until the buffer is empty or a chunk fails; answers the delay before the next attempt. */
  private async uploadAll(): Promise<{ ok: boolean; delayMs: number }> {
    for (;;) {
      if (this.closed) return { ok: false, delayMs: 0 }
      const chunk = await this.encoder.next(this.queue, () => this.drop('too_large', 1))
      this.drop('sink_buffer_full', this.queue.trim())
      if (chunk === undefined) return { ok: true, delayMs: pollDelay(this.delays, 0, this.random) }
      this.inFlight = chunk
      const response = await this.client.post(chunk.body)
      // stop() gave up waiting and already counted this chunk as lost.
      if (this.closed) return { ok: false, delayMs: 0 }
      this.inFlight = undefined
      if (response.status < 200 || response.status >= 300)
        return { ok: false, delayMs: this.failed(chunk, response) }
      this.succeeded(chunk)
    }
  }

  /** A chunk was accepted: the service is (again) healthy. */
  private succeeded(chunk: Chunk): void {
    if (this.state === 'error') this.options.log?.info({ url: this.target }, 'decision log uploads resumed')
    this.state = 'ok'
    this.failures = 0
    this.delivered += chunk.events.length
    this.options.onDelivered?.(this.name, chunk.events.length)
  }

  /** Puts a failed chunk back at the front of the buffer; answers the delay before the retry. */
  private failed(chunk: Chunk, response: UploadResponse): number {
    this.queue.unshiftAll(chunk.events, chunk.sizes)
    this.drop('sink_buffer_full', this.queue.trim())
    this.failures++
    const wasOk = this.state !== 'error'
    this.state = 'error'
    this.lastError = response.error ?? `HTTP ${response.status}`
    if (wasOk) {
      this.options.log?.warn(
        { url: this.target, err: this.lastError, buffered: this.queue.length },
        'decision log upload failed',
      )
    }
    return retryDelay(response, pollDelay(this.delays, this.failures, this.random), this.clock.now())
  }

  /** Counts what stop() could not upload as dropped, and lets it go. */
  private discardUnsent(): void {
    const left = this.queue.length + (this.inFlight?.events.length ?? 0)
    this.drop('stopped', left)
    if (left > 0) {
      this.options.log?.warn(
        { url: this.target, events: left },
        'decision log events not uploaded before stop',
      )
    }
    this.queue.clear()
    this.inFlight = undefined
  }
}
