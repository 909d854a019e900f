import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { runOpenLoop } from '../../../bench/support/open-loop.js'

let server: Server | undefined

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** A node:http server on 127.0.0.1 whose handler answers after `delayMs` with the status `status(body)` gives. */
async function serve(delayMs: number, status: (body: string) => number): Promise<string> {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(status(body), { 'content-type': 'application/json', 'content-length': 2 })
        res.end('{}')
      }, delayMs)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('runOpenLoop', () => {
  it('sends every request on schedule and counts non-2xx answers as failed', async () => {
    const url = await serve(0, (body) => (body.includes('"bad"') ? 500 : 200))
    const result = await runOpenLoop(
      { url, path: '/v1/data/x', bodies: ['{"input":"good"}', '{"input":"bad"}'] },
      { rate: 400, seconds: 0.5 },
    )
    expect(result.ok + result.failed).toBe(200)
    expect(result.failed).toBe(100)
    expect(result.seconds).toBeGreaterThanOrEqual(0.49)
    expect(result.clientCpuPct).toBeGreaterThan(0)
  })

  it('charges the wait for a busy connection to the request that fell due (no coordinated omission)', async () => {
    // one connection, 20 ms per answer, a request due every 10 ms: the 20th waits ~200 ms past its due time
    const url = await serve(20, () => 200)
    const result = await runOpenLoop(
      { url, path: '/', bodies: ['{}'] },
      { rate: 100, seconds: 0.2, maxSockets: 1 },
    )
    expect(result.ok).toBe(20)
    expect(result.p99Ms).toBeGreaterThan(150)
  })

  it('counts a request unanswered past the timeout as failed', async () => {
    const url = await serve(5_000, () => 200)
    const result = await runOpenLoop(
      { url, path: '/', bodies: ['{}'] },
      { rate: 20, seconds: 0.1, timeoutMs: 200 },
    )
    expect(result.ok).toBe(0)
    expect(result.failed).toBe(2)
  })

  it('counts requests to a port nobody listens on as failed', async () => {
    const url = await serve(0, () => 200)
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    const result = await runOpenLoop({ url, path: '/', bodies: ['{}'] }, { rate: 100, seconds: 0.1 })
    expect(result).toMatchObject({ ok: 0, failed: 10 })
  })
})
