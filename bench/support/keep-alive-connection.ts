// One keep-alive connection of the open-loop client: a raw TCP socket that writes prebuilt request bytes, one request
// in flight at a time, and frames the answer with bench/support/http-response-head.ts. Against node:http's client
// it allocates next to nothing per request (no request/response objects, no header maps, no per-request closures,
// reads into one buffer per connection through net's onread), so the load generator's own CPU and GC pauses weigh
// less in the latencies it measures.
import { connect, type Socket } from 'node:net'
import { parseResponseHead } from './http-response-head.js'

const READ_BUFFER_BYTES = 16 * 1024

export interface ConnectionOwner {
  /** The in-flight request was answered; `atMs` is performance.now() when its last bytes were read. */
  answered(connection: KeepAliveConnection, status: number, atMs: number): void
  /** The socket closed; `inFlight` tells whether a request on it went unanswered. */
  closed(connection: KeepAliveConnection, inFlight: boolean): void
}

export class KeepAliveConnection {
  /** A request is in flight. */
  busy = false
  /** The socket is closed or closing: not to be reused. */
  done = false
  /** When the in-flight request fell due and when it was written (performance.now() ms). */
  dueMs = 0
  sentMs = 0
  private readonly socket: Socket
  private partial: Buffer | undefined

  constructor(
    host: string,
    port: number,
    private readonly owner: ConnectionOwner,
  ) {
    // onread: the socket reads into one buffer per connection and calls back, with no stream and no Buffer per read
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES)
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer,
        callback: (bytes) => {
          this.read(buffer, bytes, performance.now())
          return true
        },
      },
    })
    // 'close' follows every error and settles the in-flight request
    this.socket.on('error', () => {})
    this.socket.on('close', () => {
      this.done = true
      const inFlight = this.busy
      this.busy = false
      this.owner.closed(this, inFlight)
    })
  }

  send(request: Buffer, dueMs: number): void {
    this.busy = true
    this.dueMs = dueMs
    this.sentMs = performance.now()
    this.socket.write(request)
  }

  destroy(): void {
    this.done = true
    this.socket.destroy()
  }

  private read(buffer: Buffer, length: number, atMs: number): void {
    if (!this.busy) {
      this.destroy()
      return
    }
    const chunk = buffer.subarray(0, length)
    const bytes = this.partial === undefined ? chunk : Buffer.concat([this.partial, chunk])
    let head: ReturnType<typeof parseResponseHead>
    try {
      head = parseResponseHead(bytes)
    } catch {
      this.destroy()
      return
    }
    if (head === undefined || bytes.length < head.length) {
      // the read buffer is reused: keep a copy of an incomplete answer
      this.partial = Buffer.from(bytes)
      return
    }
    this.partial = undefined
    // with one request in flight, bytes past its answer are a framing error
    if (bytes.length > head.length) {
      this.destroy()
      return
    }
    this.busy = false
    if (head.close) this.destroy()
    this.owner.answered(this, head.status, atMs)
  }
}
