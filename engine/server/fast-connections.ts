// Plain-HTTP connections whose data API POSTs are answered straight from the socket, without Node's per-request
// IncomingMessage, ServerResponse and stream machinery. Profiling `clearance serve` on a small policy put most of a
// request's CPU in that machinery and the socket write; a bare node:http server answering a constant is slower than
// a socket answering the same bytes by ~40% on this path.
// Only what http1-request-head.ts reads strictly, and only a request that has arrived whole (head and body in the
// bytes read so far), is answered here; its answer comes from the lean data route's own code (lean-data-route.ts:
// authentication, the in-flight limit, body limits, the decision, errors through describeError), so both paths
// answer alike. At the first request that is anything else — another method or path, a head this reader does not
// take, a body still on its way, a body over --max-body-bytes — the connection is handed to Node's HTTP server for
// good (after the answers already under way are written): Node's parser reads it from that request on, with its
// own limits and header and request deadlines. Answers go out in the order the requests came (pipelining), and a
// client that pipelines without reading is paused.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { remoteAddr } from '../decision-log/index.js'
import { type RequestHead, readRequestHead } from './http1-request-head.js'
import { type LeanAnswer, leanDataPath } from './lean-data-route.js'
import { bodyFromBytes } from './request-body.js'

export interface FastConnectionsOptions {
  answer: LeanAnswer
  maxBodyBytes: number
  /** A connection that sent nothing is closed after this long (the header deadline). */
  headersTimeoutMs: number
  /** An idle connection between requests is closed after this long, plus Node's one second of grace. */
  keepAliveTimeoutMs: number
  /** Node's limit on the request line and headers; a head this reader takes is within it and within 16 KiB. */
  maxHeaderBytes: number
  /** Node's own connection handling, for a connection this module hands over. */
  handOver(socket: Socket): void
}

export interface FastConnections {
  accept(socket: Socket): void
  /** Destroys every connection still answered here (those handed over are Node's to close). */
  closeAll(): void
}

/** Heads longer than this go to Node's parser, which answers up to its own limit (431 past it). */
const MAX_HEAD_BYTES = 16 * 1024
/** Answers under way on one connection before it is paused until they are written. */
const MAX_PIPELINED = 32
/** Node holds an idle keep-alive socket this long past keepAliveTimeout (listen-timeouts.test.ts). */
const KEEP_ALIVE_GRACE_MS = 1000

interface Pending {
  written: string | Buffer | undefined
  close: boolean
}

export function createFastConnections(options: FastConnectionsOptions): FastConnections {
  const open = new Set<Socket>()
  const keepAliveHeader = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(options.keepAliveTimeoutMs / 1000)}\r\n\r\n`
  const idleMs = options.keepAliveTimeoutMs + KEEP_ALIVE_GRACE_MS
  const maxHeadBytes = Math.min(MAX_HEAD_BYTES, options.maxHeaderBytes)
  let dateSecond = 0
  let dateHeader = ''
  const date = (): string => {
    const now = Date.now()
    const second = Math.floor(now / 1000)
    if (second !== dateSecond) {
      dateSecond = second
      dateHeader = `Date: ${new Date(second * 1000).toUTCString()}\r\n`
    }
    return dateHeader
  }

  const serialize = (status: number, headers: string[], body: string | Uint8Array, close: boolean) => {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
    head += date()
    head += close ? 'Connection: close\r\n\r\n' : keepAliveHeader
    return typeof body === 'string' ? head + body : Buffer.concat([Buffer.from(head, 'latin1'), body])
  }

  const accept = (socket: Socket): void => {
    open.add(socket)
    const requestedBy = remoteAddr(socket.remoteAddress, socket.remotePort)
    const pending: Pending[] = []
    /** Bytes not yet read as requests: kept while paused, or given to Node at the hand-over. */
    let rest: Buffer | undefined
    let handingOver = false
    let closing = false
    let keptAlive = false
    /** The client has half-closed its side (it sends nothing more); ours ends once the answers are written. */
    let ended = false

    const onTimeout = (): void => {
      if (pending.length === 0) socket.destroy()
    }
    const onClose = (): void => {
      open.delete(socket)
    }
    const onError = (): void => {}
    const onEnd = (): void => {
      ended = true
      if (pending.length === 0) socket.end()
    }

    const handOver = (): void => {
      for (const [event, listener] of listeners) socket.removeListener(event, listener)
      socket.setTimeout(0)
      open.delete(socket)
      if (rest !== undefined && rest.byteLength > 0) socket.unshift(rest)
      rest = undefined
      options.handOver(socket)
      socket.resume()
    }

    const flush = (): void => {
      if (socket.destroyed) {
        pending.length = 0
        return
      }
      while (pending.length > 0 && pending[0]!.written !== undefined) {
        const done = pending.shift()!
        socket.write(done.written!)
        if (done.close) {
          socket.end()
          return
        }
      }
      if (pending.length > 0 || socket.destroyed) return
      if (ended) {
        // Node could not be told of the end it would have missed: the request it was to read goes unanswered.
        if (handingOver) socket.destroy()
        else socket.end()
        return
      }
      if (handingOver) {
        handOver()
        return
      }
      if (!keptAlive) {
        keptAlive = true
        socket.setTimeout(idleMs)
      }
      if (socket.isPaused() && !socket.writableNeedDrain) resume()
    }

    function onDrain(): void {
      if (pending.length < MAX_PIPELINED && !handingOver) resume()
    }

    const resume = (): void => {
      socket.resume()
      if (rest !== undefined) {
        const bytes = rest
        rest = undefined
        read(bytes)
      }
    }

    const dispatch = (head: RequestHead, body: Buffer, path: string, query: string | undefined): void => {
      const slot: Pending = { written: undefined, close: !head.keepAlive }
      pending.push(slot)
      options.answer(
        {
          url: head.url,
          authorization: head.authorization,
          contentType: head.contentType,
          acceptEncoding: head.acceptEncoding,
          socket,
          requestedBy,
          body: () => bodyFromBytes(body, head.contentEncoding, options),
        },
        path,
        query,
        (status, headers, answer) => {
          slot.written = serialize(status, headers, answer, slot.close)
          flush()
        },
      )
    }

    const read = (bytes: Buffer): void => {
      let at = 0
      while (at < bytes.length && !closing) {
        if (pending.length >= MAX_PIPELINED || socket.writableNeedDrain) {
          socket.pause()
          rest = bytes.subarray(at)
          return
        }
        const head = readRequestHead(bytes, at, maxHeadBytes)
        const end = typeof head === 'string' ? Number.NaN : head.bodyStart + head.contentLength
        const target = typeof head === 'string' ? undefined : leanDataPath(head.url, true)
        if (
          typeof head === 'string' ||
          target === undefined ||
          head.contentLength > options.maxBodyBytes ||
          end > bytes.length
        ) {
          // From this request on the connection is Node's, once the answers under way are written.
          rest = bytes.subarray(at)
          handingOver = true
          socket.pause()
          if (pending.length === 0) handOver()
          return
        }
        if (!head.keepAlive) closing = true
        dispatch(head, bytes.subarray(head.bodyStart, end), target.path, target.query)
        at = end
      }
    }

    function onData(chunk: Buffer): void {
      read(rest === undefined ? chunk : Buffer.concat([rest, chunk]))
    }

    // Attached here and taken off at the hand-over, when the socket becomes Node's.
    const listeners: Array<[string, (chunk: Buffer) => void]> = [
      ['timeout', onTimeout],
      ['close', onClose],
      ['error', onError],
      ['drain', onDrain],
      ['end', onEnd],
      ['data', onData],
    ]
    socket.setTimeout(options.headersTimeoutMs)
    for (const [event, listener] of listeners) socket.on(event, listener)
  }

  return {
    accept,
    closeAll() {
      for (const socket of open) socket.destroy()
      open.clear()
    },
  }
}
