// The HTTP client fails closed: whatever goes wrong between a service and its PDP (nothing listening, too slow,
// 5xx, garbage, a dropped connection), the caller gets a deny carrying the reason, never an exception, unless it
// asked for one. Retries happen only where they are safe and within the budget.
import { afterEach, describe, expect, it } from 'vitest'
import { type CheckDecision, createClient, PdpError } from '../../sdk/index.js'
import { checkAnswer, closedPortUrl, type FakePdp, json, startFakePdp } from './support/fake-pdp.js'

const INPUT = { subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders' } }
const FAST_RETRY = { baseMs: 1, maxMs: 5 }

function expectDenied(decision: CheckDecision, code: string): void {
  expect(decision.allow).toBe(false)
  expect(decision.obligations).toEqual([])
  expect(decision.decisionId).toBeUndefined()
  expect(decision.error?.code).toBe(code)
  expect(decision.reasons[0]).toMatchObject({ code })
}

describe('HTTP client failures', () => {
  let pdp: FakePdp | undefined

  afterEach(async () => {
    await pdp?.close()
    pdp = undefined
  })

  it('denies with pdp_unavailable when nothing listens on the port, after its retries', async () => {
    const client = createClient({
      url: await closedPortUrl(),
      timeoutMs: 2_000,
      retries: 2,
      backoff: FAST_RETRY,
    })
    const decision = await client.check(INPUT)
    expectDenied(decision, 'pdp_unavailable')
    expect(decision.error?.message).toMatch(/ECONNREFUSED/)
  })

  it('denies with pdp_timeout when the PDP answers after the budget, without retrying', async () => {
    pdp = await startFakePdp((_req, res) => {
      setTimeout(() => json(res, 200, checkAnswer(true)), 600)
    })
    const client = createClient({ url: pdp.url, timeoutMs: 100, retries: 3, backoff: FAST_RETRY })
    const started = performance.now()
    const decision = await client.check(INPUT)
    expect(performance.now() - started).toBeLessThan(500)
    expectDenied(decision, 'pdp_timeout')
    expect(pdp.requests).toBe(1)
  })

  it('denies with pdp_error carrying OPA’s code when the PDP answers 500, without retrying', async () => {
    pdp = await startFakePdp((_req, res) =>
      json(res, 500, { code: 'evaluation_error', message: 'conflicting rules' }),
    )
    const client = createClient({ url: pdp.url, retries: 3, backoff: FAST_RETRY })
    const decision = await client.check(INPUT)
    expectDenied(decision, 'pdp_error')
    expect(decision.error).toMatchObject({ status: 500, pdpCode: 'evaluation_error' })
    expect(pdp.requests).toBe(1)
  })

  it('denies with pdp_error and the schema violations when the PDP refuses the input, without retrying', async () => {
    pdp = await startFakePdp((_req, res) =>
      json(res, 400, {
        code: 'invalid_parameter',
        message: 'input does not match the decision input schema',
        errors: [{ code: 'schema_violation', message: 'input must have required property "time"' }],
      }),
    )
    const client = createClient({ url: pdp.url, retries: 3, backoff: FAST_RETRY })
    const decision = await client.check(INPUT)
    expectDenied(decision, 'pdp_error')
    expect(decision.reasons[1]).toEqual({
      code: 'schema_violation',
      message: 'input must have required property "time"',
    })
    expect(pdp.requests).toBe(1)
  })

  it('denies with pdp_bad_response when the PDP answers garbage', async () => {
    pdp = await startFakePdp((_req, res) => json(res, 200, '<html>oops</html>'))
    const client = createClient({ url: pdp.url })
    expectDenied(await client.check(INPUT), 'pdp_bad_response')
  })

  it('denies with pdp_bad_response when the answer is JSON of the wrong shape', async () => {
    pdp = await startFakePdp((_req, res, n) =>
      json(res, 200, n === 0 ? { allow: 'yes', reasons: [], obligations: [] } : { result: true }),
    )
    const client = createClient({ url: pdp.url })
    expectDenied(await client.check(INPUT), 'pdp_bad_response')
    expectDenied(await client.check(INPUT), 'pdp_bad_response')
  })

  it('retries 503 and 502 and answers with the decision that finally comes', async () => {
    pdp = await startFakePdp((_req, res, n) => {
      if (n === 0) json(res, 503, { code: 'internal_error', message: 'warming up' })
      else if (n === 1) json(res, 502, 'bad gateway')
      else json(res, 200, checkAnswer(true))
    })
    const client = createClient({ url: pdp.url, retries: 2, backoff: FAST_RETRY })
    const decision = await client.check(INPUT)
    expect(decision).toMatchObject({
      allow: true,
      obligations: [{ type: 'audit' }],
      revisions: { clearance: 'r1' },
    })
    expect(pdp.requests).toBe(3)
  })

  it('gives up on a PDP that stays unavailable after the bounded retries', async () => {
    pdp = await startFakePdp((_req, res) => json(res, 503, { code: 'internal_error', message: 'down' }))
    const client = createClient({ url: pdp.url, retries: 2, backoff: FAST_RETRY })
    const decision = await client.check(INPUT)
    expectDenied(decision, 'pdp_unavailable')
    expect(decision.error?.status).toBe(503)
    expect(pdp.requests).toBe(3)
  })

  it('retries a connection dropped before any answer', async () => {
    pdp = await startFakePdp((req, res, n) => {
      if (n === 0) req.socket.destroy()
      else json(res, 200, checkAnswer(false))
    })
    const client = createClient({ url: pdp.url, retries: 1, backoff: FAST_RETRY })
    const decision = await client.check(INPUT)
    expect(decision.allow).toBe(false)
    expect(decision.error).toBeUndefined()
    expect(decision.reasons).toEqual([{ code: 'no_grant', message: 'scripted' }])
    expect(pdp.requests).toBe(2)
  })

  it('does not start a retry the budget cannot cover', async () => {
    pdp = await startFakePdp((_req, res) => json(res, 503, { code: 'internal_error', message: 'down' }))
    const client = createClient({
      url: pdp.url,
      timeoutMs: 1_000,
      retries: 5,
      backoff: { baseMs: 5_000, maxMs: 5_000 },
    })
    expectDenied(await client.check(INPUT), 'pdp_unavailable')
    expect(pdp.requests).toBe(1)
  })

  it('throws PdpError instead when the caller asks for throwOnError', async () => {
    const client = createClient({ url: await closedPortUrl(), retries: 0, throwOnError: true })
    await expect(client.check(INPUT)).rejects.toBeInstanceOf(PdpError)
    await expect(client.check(INPUT)).rejects.toMatchObject({ code: 'pdp_unavailable' })
    const lenient = await client.check(INPUT, { throwOnError: false })
    expectDenied(lenient, 'pdp_unavailable')
  })

  it('answers evaluate and evaluateBatch failures with no result and the error', async () => {
    const client = createClient({ url: await closedPortUrl(), retries: 0 })
    const one = await client.evaluate<boolean>('clearance/authz/allow', INPUT)
    expect(one.result).toBeUndefined()
    expect(one.error?.code).toBe('pdp_unavailable')
    const many = await client.evaluateBatch<boolean>('clearance/authz/allow', [INPUT, INPUT])
    expect(many).toHaveLength(2)
    for (const item of many) {
      expect(item.result).toBeUndefined()
      expect(item.error?.code).toBe('pdp_unavailable')
    }
  })

  it('sends the bearer token and JSON on a kept-alive connection', async () => {
    const seen: Array<{ auth: string | undefined; type: string | undefined; port: number | undefined }> = []
    pdp = await startFakePdp((req, res) => {
      seen.push({
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        port: req.socket.remotePort,
      })
      json(res, 200, checkAnswer(true))
    })
    const client = createClient({ url: pdp.url, token: 's3cret' })
    for (let i = 0; i < 10; i++) await client.check(INPUT)
    expect(seen[0]).toMatchObject({ auth: 'Bearer s3cret', type: 'application/json' })
    // undici's pool may open a second socket while the first is being released; it never opens one per call.
    expect(new Set(seen.map(({ port }) => port)).size).toBeLessThanOrEqual(2)
    expect(JSON.parse(pdp.bodies[0]!)).toEqual(INPUT)
  })
})
