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
import { type Chunk, createChunkEncoder } from './chunk-encoder.js'
import type { DecisionLogSink, DropReason, OnDelivered, OnDrop, SinkState } from './sink.js'

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
  const name = 'http'
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const log = options.log
  const limitBytes = options.uploadSizeLimitBytes ?? DEFAULTS.decisionLog.uploadLimitBytes
  const delays = {
    minDelayMs: options.minDelayMs ?? DEFAULTS.decisionLog.minDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.decisionLog.maxDelayMs,
  }
  const target = uploadUrl(options.url, options.resource)
  const client =
    options.client ??
    createUploadClient({
      url: target,
      credentials: options.credentials,
      timeoutMs: options.timeoutMs ?? DEFAULTS.decisionLog.uploadTimeoutMs,
      clock,
    })
  const queue = new BoundedQueue<string>({
    maxItems: options.buffer?.maxEvents ?? DEFAULTS.decisionLog.bufferEvents,
    maxBytes: options.buffer?.maxBytes ?? DEFAULTS.decisionLog.bufferBytes,
  })
  const encoder = createChunkEncoder(limitBytes, options.gzipLevel ?? 1)
  let state: SinkState = 'not_ready'
  let lastError: string | undefined
  let delivered = 0
  let dropped = 0
  let failures = 0
  let timer: TimerHandle | undefined
  let running: Promise<boolean> | undefined
  let inFlight: Chunk | undefined
  let started = false
  let stopping = false
  let closed = false

  const drop = (reason: DropReason, count: number): void => {
    if (count === 0) return
    dropped += count
    options.onDrop?.(reason, count)
  }

  const fail = (chunk: Chunk, response: UploadResponse): number => {
    queue.unshiftAll(chunk.events, chunk.sizes)
    drop('sink_buffer_full', queue.trim())
    failures++
    const wasOk = state !== 'error'
    state = 'error'
    lastError = response.error ?? `HTTP ${response.status}`
    if (wasOk)
      log?.warn({ url: target, err: lastError, buffered: queue.length }, 'decision log upload failed')
    const backoff = pollDelay(delays, failures, random)
    const asked = response.status === 429 || response.status === 503
    const wait = asked ? retryAfterMs(response.retryAfter, clock.now()) : undefined
    return wait === undefined ? backoff : Math.max(wait, backoff)
  }

  /** Uploads until the buffer is empty or a chunk fails; answers the delay before the next attempt. */
  const uploadAll = async (): Promise<{ ok: boolean; delayMs: number }> => {
    for (;;) {
      if (closed) return { ok: false, delayMs: 0 }
      const chunk = await encoder.next(queue, () => drop('too_large', 1))
      drop('sink_buffer_full', queue.trim())
      if (chunk === undefined) {
        return { ok: true, delayMs: pollDelay(delays, 0, random) }
      }
      inFlight = chunk
      const response = await client.post(chunk.body)
      // stop() gave up waiting and already counted this chunk as lost.
      if (closed) return { ok: false, delayMs: 0 }
      inFlight = undefined
      if (response.status < 200 || response.status >= 300)
        return { ok: false, delayMs: fail(chunk, response) }
      if (state === 'error') log?.info({ url: target }, 'decision log uploads resumed')
      state = 'ok'
      failures = 0
      delivered += chunk.events.length
      options.onDelivered?.(name, chunk.events.length)
    }
  }

  const schedule = (delayMs: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = stopping ? undefined : clock.setTimeout(run, delayMs)
  }

  function run(): void {
    timer = undefined
    if (running !== undefined || stopping) return
    running = uploadAll().then(
      ({ ok, delayMs }) => {
        running = undefined
        schedule(delayMs)
        return ok
      },
      (error: unknown) => {
        // Not expected (the client never rejects); keep the schedule alive regardless.
        running = undefined
        log?.error({ err: String(error) }, 'decision log upload loop failed')
        schedule(pollDelay(delays, ++failures, random))
        return false
      },
    )
  }

  return {
    name,
    write(events) {
      for (const event of events) {
        const size = event.length
        if (!queue.couldFit(size)) {
          drop('too_large', 1)
          continue
        }
        drop('sink_buffer_full', queue.makeRoom(size))
        queue.push(event, size)
      }
      // A full chunk waiting is worth sending now, unless the service is failing (then backoff decides).
      if (started && running === undefined && failures === 0 && queue.bytes >= encoder.targetBytes()) {
        schedule(0)
      }
    },
    async start() {
      started = true
      state = 'ok'
      schedule(pollDelay(delays, 0, random))
    },
    async flush() {
      while (running !== undefined) await running
      run()
      return (await running) ?? false
    },
    async stop() {
      if (stopping) return
      stopping = true
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      while (running !== undefined) await running
      // One last push of what is buffered, bounded in time; what remains is lost with the process.
      let deadlineTimer: TimerHandle | undefined
      const deadline = new Promise<void>((resolve) => {
        deadlineTimer = clock.setTimeout(resolve, options.stopTimeoutMs ?? 5_000)
      })
      await Promise.race([uploadAll(), deadline])
      clock.clearTimeout(deadlineTimer)
      closed = true
      const left = queue.length + (inFlight?.events.length ?? 0)
      drop('stopped', left)
      if (left > 0) log?.warn({ url: target, events: left }, 'decision log events not uploaded before stop')
      queue.clear()
      inFlight = undefined
      client.close()
    },
    status: () => state,
    stats: () => ({
      name,
      state,
      bufferedEvents: queue.length + encoder.held().events + (inFlight?.events.length ?? 0),
      bufferedBytes: queue.bytes + encoder.held().bytes + (inFlight?.body.length ?? 0),
      delivered,
      dropped,
      lastError,
    }),
  }
}
