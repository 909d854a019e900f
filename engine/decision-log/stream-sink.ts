// Console and file sinks: JSON lines through pino's own asynchronous writer (sonic-boom, what pino.destination
// returns), one batch per write. The file sink writes each event as it is uploaded, one per line; the console
// sink prefixes pino's level, time and msg ("Decision Log", as OPA's console logger says) so the lines sit among
// the server's own logs and are filtered like them. Rotation is the platform's (logrotate copytruncate, a
// container runtime); a write the writer cannot hold (over maxBufferBytes) is dropped and counted, never queued
// without bound.
import { once } from 'node:events'
import { pino } from 'pino'
import type { Clock } from '../clock.js'
import { systemClock } from '../clock.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import type { DecisionLogSink, OnDelivered, OnDrop, SinkState } from './sink.js'

/** Anything lines can be written to (tests pass a collector). */
export interface LineWriter {
  write(chunk: string): boolean
}

export interface StreamSinkOptions {
  onDrop?: OnDrop | undefined
  onDelivered?: OnDelivered | undefined
  /** Largest backlog the writer holds before it drops a write (default 16 MiB). */
  maxBufferBytes?: number | undefined
  clock?: Clock | undefined
}

type Destination = ReturnType<typeof pino.destination>
type Format = 'event' | 'pino'

const PINO_INFO = 30

function countLines(data: string): number {
  let count = 0
  for (let at = data.indexOf('\n'); at !== -1; at = data.indexOf('\n', at + 1)) count++
  return count
}

function createStreamSink(
  name: string,
  format: Format,
  open: () => { writer: LineWriter; destination?: Destination | undefined; ownsFd: boolean },
  options: StreamSinkOptions,
): DecisionLogSink {
  const clock = options.clock ?? systemClock
  const { writer, destination, ownsFd } = open()
  let state: SinkState = 'not_ready'
  let delivered = 0
  let dropped = 0
  let lastError: string | undefined
  let ready = false
  destination?.once('ready', () => {
    ready = true
  })
  destination?.on('drop', (data: string) => {
    const count = countLines(data)
    dropped += count
    options.onDrop?.('sink_buffer_full', count)
  })
  destination?.on('error', (error: unknown) => {
    state = 'error'
    lastError = describeThrown(error)
  })

  return {
    name,
    write(events) {
      if (events.length === 0) return
      let text: string
      if (format === 'event') text = `${events.join('\n')}\n`
      else {
        const prefix = `{"level":${PINO_INFO},"time":${Math.floor(clock.now())},"msg":"Decision Log",`
        text = ''
        for (const event of events) text += `${prefix}${event.slice(1)}\n`
      }
      try {
        writer.write(text)
        delivered += events.length
        options.onDelivered?.(name, events.length)
      } catch (error) {
        state = 'error'
        lastError = describeThrown(error)
        dropped += events.length
        options.onDrop?.('sink_buffer_full', events.length)
      }
    },
    async start() {
      const failed = (): ClearanceError =>
        new ClearanceError(ErrorCodes.configError, `decision log ${name}: ${lastError ?? 'cannot open'}`)
      if (state === 'error') throw failed()
      if (destination !== undefined && !ready) {
        await new Promise<void>((resolve, reject) => {
          const onReady = (): void => {
            destination.off('error', onError)
            resolve()
          }
          const onError = (): void => {
            destination.off('ready', onReady)
            reject(failed())
          }
          destination.once('ready', onReady)
          destination.once('error', onError)
        })
      }
      state = 'ok'
    },
    async stop() {
      if (destination === undefined || !ready) return
      if (ownsFd) {
        // end() writes what is pending, then closes the file.
        const closed = once(destination, 'close')
        destination.end()
        await closed
        return
      }
      // stdout/stderr stay open for the server's own logs; push out what is pending now.
      try {
        destination.flushSync()
      } catch (error) {
        lastError = describeThrown(error)
      }
    },
    status: () => state,
    stats: () => ({ name, state, bufferedEvents: 0, bufferedBytes: 0, delivered, dropped, lastError }),
  }
}

/** Decision events on stdout (fd 1) or stderr (fd 2), or on any line writer. */
export function createConsoleSink(
  options: StreamSinkOptions & { fd?: 1 | 2; writer?: LineWriter | undefined } = {},
): DecisionLogSink {
  return createStreamSink(
    'console',
    'pino',
    () => {
      if (options.writer !== undefined) return { writer: options.writer, ownsFd: false }
      const destination = pino.destination({
        fd: options.fd ?? 1,
        sync: false,
        maxLength: options.maxBufferBytes ?? 16 * 1024 * 1024,
      })
      return { writer: destination, destination, ownsFd: false }
    },
    options,
  )
}

/** Decision events appended to a file, one JSON object per line. */
export function createFileSink(options: StreamSinkOptions & { path: string }): DecisionLogSink {
  return createStreamSink(
    'file',
    'event',
    () => {
      const destination = pino.destination({
        dest: options.path,
        sync: false,
        mkdir: true,
        append: true,
        maxLength: options.maxBufferBytes ?? 16 * 1024 * 1024,
      })
      return { writer: destination, destination, ownsFd: true }
    },
    options,
  )
}
