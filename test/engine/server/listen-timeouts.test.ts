// The server's connection deadlines hold to what is configured (and documented): a client that trickles its
// headers, one that trickles its body, and an idle keep-alive connection are each closed close to their limit,
// not up to Node's 30 s checking interval later. Measured through real sockets on 127.0.0.1 with short limits.
import { connect, type Socket } from 'node:net'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionsCheckingInterval, type Listening, listen } from '../../../engine/server/listen.js'

const HEADERS_MS = 600
const REQUEST_MS = 1500
const KEEP_ALIVE_MS = 400

/** Opens a socket, runs `drive` on it, and resolves with the ms from connecting to the server closing it. */
function timeToClose(url: string, drive: (socket: Socket) => () => void): Promise<number> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const socket = connect({ host: hostname, port: Number(port) })
    let stop: () => void = () => {}
    socket.on('connect', () => {
      stop = drive(socket)
    })
    socket.on('data', () => {})
    socket.on('error', () => {})
    socket.on('close', () => {
      stop()
      resolve(performance.now() - started)
    })
    setTimeout(() => {
      socket.destroy()
      reject(new Error('the server did not close the connection within 10 s'))
    }, 10_000).unref()
  })
}

/** Writes `chunks` one by one, every `everyMs`, for as long as the socket is open. */
function trickle(socket: Socket, chunks: string[], everyMs: number): () => void {
  let next = 0
  const timer = setInterval(() => {
    if (socket.destroyed) return
    socket.write(chunks[next % chunks.length]!)
    next++
  }, everyMs)
  return () => clearInterval(timer)
}

describe('connection deadlines', () => {
  let server: Listening

  beforeAll(async () => {
    const app = new Hono()
    app.all('/', async (c) => c.text(`read ${(await c.req.text()).length}`))
    server = await listen(app, {
      host: '127.0.0.1',
      port: 0,
      headersTimeoutMs: HEADERS_MS,
      requestTimeoutMs: REQUEST_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_MS,
    })
  })

  afterAll(async () => {
    await server.close()
  })

  const slack = connectionsCheckingInterval(HEADERS_MS, REQUEST_MS) + 500

  it('closes a connection whose headers trickle in, at the header deadline', async () => {
    const ms = await timeToClose(server.url, (socket) => {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
      return trickle(socket, ['X-Slow: a\r\n'], 100)
    })
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50)
    expect(ms).toBeLessThan(HEADERS_MS + slack)
  })

  it('closes a connection whose body trickles in, at the request deadline', async () => {
    const ms = await timeToClose(server.url, (socket) => {
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')
      return trickle(socket, ['a'], 100)
    })
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50)
    expect(ms).toBeLessThan(REQUEST_MS + slack)
  })

  // Node holds an idle socket 1 s past keepAliveTimeout (the value it advertises in Keep-Alive: timeout=…), so a
  // client honouring the header closes first; the idle deadline is the configured one plus that second.
  it('closes an idle keep-alive connection at the keep-alive deadline plus Node’s 1 s grace', async () => {
    let answered = 0
    const ms = await timeToClose(server.url, (socket) => {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
      socket.once('data', () => {
        answered = performance.now()
      })
      return () => {}
    })
    expect(answered).toBeGreaterThan(0)
    expect(ms).toBeLessThan(KEEP_ALIVE_MS + 1000 + slack)
  })
})
