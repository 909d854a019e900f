// Through a real socket on 127.0.0.1: the server started as `clearance serve` wires it, and an OPA client
// written for OPA's REST API (the official @styra/opa SDK) used against it unchanged.
import { OPAClient } from '@styra/opa'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { silentLog } from '../helpers/app.js'
import { buildFixture } from '../helpers/fixtures.js'

describe('clearance server on 127.0.0.1', () => {
  let server: RunningServer
  let client: OPAClient

  beforeAll(async () => {
    const config = serveConfigFromOptions({
      bundle: [`basic=${await buildFixture('basic')}`],
      addr: '127.0.0.1:0',
    })
    server = await startServer(config, silentLog)
    client = new OPAClient(server.url)
  })

  afterAll(async () => {
    await server.close()
  })

  it('listens on the loopback address it was given', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers an OPA client evaluating a data path', async () => {
    expect(await client.evaluate('example/authz/allow', { user: 'alice' })).toBe(true)
    expect(await client.evaluate('example/authz/allow', { user: 'mallory' })).toBe(false)
    expect(await client.evaluate('example/users/bob')).toEqual({ role: 'viewer' })
  })

  it('answers an OPA client asking for the default decision', async () => {
    expect(await client.evaluateDefault({ user: 'alice' })).toEqual({ hello: 'alice' })
  })

  it('answers an OPA client batch, mixed results included', async () => {
    const all = await client.evaluateBatch('example/authz/allow', {
      a: { user: 'alice' },
      b: { user: 'bob' },
    })
    expect(all).toEqual({ a: true, b: false })
    const mixed = await client.evaluateBatch('example/authz/conflict', {
      ok: { values: [1] },
      bad: { values: [1, 2] },
    })
    expect(mixed.ok).toBe(1)
    expect(mixed.bad).toMatchObject({ code: 'internal_error', httpStatusCode: '500' })
  })

  it('serves plain HTTP clients with keep-alive', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.url}/v1/data/example/authz/allow`, {
        method: 'POST',
        body: JSON.stringify({ input: { user: i % 2 === 0 ? 'alice' : 'bob' } }),
      })
      expect((await res.json()).result).toBe(i % 2 === 0)
    }
  })
})

describe('clearance server with an evaluation time limit', () => {
  let server: RunningServer
  const ask = (n: number): Promise<Response> =>
    fetch(`${server.url}/v1/data/slow/pairs`, { method: 'POST', body: JSON.stringify({ input: { n } }) })

  beforeAll(async () => {
    const config = serveConfigFromOptions({
      bundle: [`slow=${await buildFixture('slow-loop')}`],
      addr: '127.0.0.1:0',
      evalTimeoutMs: '200',
    })
    server = await startServer(config, silentLog)
  })

  afterAll(async () => {
    await server.close()
  })

  it('denies an evaluation that overruns with evaluation_error, stays up, and serves again once replaced', async () => {
    expect(await (await ask(5)).json()).toMatchObject({ result: true })
    const stopped = await ask(1000)
    expect(stopped.status).toBe(500)
    expect(await stopped.json()).toMatchObject({
      code: 'evaluation_error',
      message: 'evaluation exceeded the 200 ms time limit and was stopped',
    })
    await vi.waitFor(async () => expect(await (await ask(5)).json()).toMatchObject({ result: true }), {
      timeout: 15_000,
      interval: 50,
    })
  })
})
