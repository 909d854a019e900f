// Requests Node's parser refuses before any route runs: answered with a status and an OPA-shaped error body (Node
// alone closes with an empty 431), through a real socket on 127.0.0.1.
import { connect } from 'node:net'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { type Listening, listen } from '../../../engine/server/listen.js'

const TIMEOUTS = { headersTimeoutMs: 5000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 5000 }

function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text))
    let answer = ''
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString()
    })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe('requests refused by the HTTP parser', () => {
  let server: Listening | undefined
  afterEach(async () => {
    await server?.close()
  })

  const app = new Hono().get('*', (c) => c.text('ok'))

  it('answers a 17 KB path as OPA (Go accepts 1 MiB of request line and headers)', async () => {
    server = await listen(app, { host: '127.0.0.1', port: 0, ...TIMEOUTS })
    const res = await fetch(`${server.url}/v1/data/${'a'.repeat(17 * 1024)}`)
    expect(res.status).toBe(200)
  })

  it('answers headers past the limit with 431 and an error body, then closes', async () => {
    server = await listen(app, { host: '127.0.0.1', port: 0, ...TIMEOUTS, maxHeaderBytes: 1024 })
    const answer = await rawRequest(server.url, `GET /${'a'.repeat(4096)} HTTP/1.1\r\nHost: x\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 431 /)
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
    expect(body.code).toBe('invalid_parameter')
    expect(body.message).toContain('larger than the server accepts')
  })

  it('answers a malformed request with 400 and an error body', async () => {
    server = await listen(app, { host: '127.0.0.1', port: 0, ...TIMEOUTS })
    const answer = await rawRequest(server.url, 'NOT HTTP\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code).toBe('invalid_parameter')
  })
})
