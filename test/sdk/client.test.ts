// The HTTP client against a real Clearance server on 127.0.0.1: the Data API, the batch API (mixed answers
// included) and POST /v1/check, each answer with its decision id and the revisions that made it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { type Client, createClient } from '../../sdk/index.js'
import { silentLog } from '../helpers/app.js'
import { buildFixture } from '../helpers/fixtures.js'

describe('HTTP client against clearance serve', () => {
  let server: RunningServer
  let client: Client

  beforeAll(async () => {
    const config = serveConfigFromOptions({
      bundle: [`basic=${await buildFixture('basic')}`],
      addr: '127.0.0.1:0',
    })
    server = await startServer(config, silentLog)
    client = createClient({ url: server.url })
  })

  afterAll(async () => {
    await server.close()
  })

  it('evaluates a document with the decision id and revision', async () => {
    const decision = await client.evaluate<boolean>('example/authz/allow', { user: 'alice' })
    expect(decision).toMatchObject({ result: true, revisions: { basic: 'rev-basic' } })
    expect(decision.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect((await client.evaluate('example.authz.allow', { user: 'mallory' })).result).toBe(false)
  })

  it('reads documents without input and reports undefined ones as undefined', async () => {
    expect((await client.evaluate('example/users/bob')).result).toEqual({ role: 'viewer' })
    const missing = await client.evaluate('example/nothing/here', {})
    expect(missing.result).toBeUndefined()
    expect(missing.error).toBeUndefined()
  })

  it('answers a batch input by input, in the order given', async () => {
    const decisions = await client.evaluateBatch<boolean>('example/authz/allow', [
      { user: 'alice' },
      { user: 'bob' },
    ])
    expect(decisions.map((decision) => decision.result)).toEqual([true, false])
  })

  it('answers a mixed batch (HTTP 207) with the failed item carrying its error', async () => {
    const decisions = await client.evaluateBatch<number>('example/authz/conflict', {
      ok: { values: [1] },
      bad: { values: [1, 2] },
    })
    expect(decisions.ok?.result).toBe(1)
    expect(decisions.bad?.result).toBeUndefined()
    expect(decisions.bad?.error).toMatchObject({
      code: 'pdp_error',
      pdpCode: 'internal_error',
      status: 500,
    })
  })

  it('answers a batch where every item fails (HTTP 500) item by item', async () => {
    const decisions = await client.evaluateBatch('example/authz/conflict', [{ values: [1, 2] }])
    expect(decisions[0]?.error).toMatchObject({ code: 'pdp_error', pdpCode: 'internal_error' })
  })

  it('answers an empty batch without asking the server', async () => {
    expect(await client.evaluateBatch('example/authz/allow', [])).toEqual([])
  })

  it('denies a check when the bundle has no decision entrypoint', async () => {
    const decision = await client.check({})
    expect(decision.allow).toBe(false)
    expect(decision.error).toMatchObject({ code: 'pdp_error' })
  })

  it('refuses a URL that is not http(s) at creation, not on the first call', () => {
    expect(() => createClient({ url: 'ftp://example.com' })).toThrow(/http/)
    expect(() => createClient({ url: 'not a url' })).toThrow(/not a URL/)
    expect(() => createClient({ url: 'http://x', timeoutMs: 0 })).toThrow(/timeoutMs/)
  })
})
