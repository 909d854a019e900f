import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPolicyRegistry, type PolicyRegistry } from '../../../engine/activation/policy-registry.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { createDecider } from '../../../engine/decision/decider.js'
import { createMetrics, type Metrics } from '../../../engine/metrics/index.js'
import { createPolicySet } from '../../../engine/policy/policy-set.js'
import { type AppDeps, createHttpHandlers } from '../../../engine/server/index.js'
import { listen } from '../../../engine/server/listen.js'
import { silentLog } from '../../helpers/app.js'
import { buildFixture } from '../../helpers/fixtures.js'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

interface Served {
  url: string
  /** Whether the lean route took each request, in order. */
  taken: boolean[]
  /** How many requests fast connections answered (with `fast`). */
  fastAnswered: number
  hono: ReturnType<typeof createHttpHandlers>['app']
  metrics: Metrics
  registry: PolicyRegistry
  close(): Promise<void>
}

const servers: Served[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
})

async function serve(
  bundle: string,
  overrides: Partial<AppDeps> = {},
  evaluationTimeoutMs?: number,
  fast = false,
): Promise<Served> {
  const registry = createPolicyRegistry()
  registry.activate(
    await createPolicySet([await loadBundleFromPath('basic', bundle)], { evaluationTimeoutMs }),
  )
  const metrics = createMetrics({ processMetrics: false })
  const deps: AppDeps = {
    decider: createDecider({ registry }),
    config: {
      defaultDecision: 'system/main',
      maxBodyBytes: 4096,
      json: { maxDepth: 16, maxElements: 100_000 },
    },
    log: silentLog,
    version: 'test',
    metrics,
    bundlesNotReady: () => undefined,
    ...overrides,
  }
  const { app, lean, fast: fastAnswers } = createHttpHandlers(deps)
  const taken: boolean[] = []
  const counted = {
    ...fastAnswers,
    answer: ((...args) => {
      served.fastAnswered++
      fastAnswers.answer(...args)
    }) satisfies typeof fastAnswers.answer,
  }
  const listening = await listen(
    app,
    {
      host: '127.0.0.1',
      port: 0,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
    },
    (req, res) => {
      const answered = lean(req, res)
      taken.push(answered)
      return answered
    },
    fast ? counted : undefined,
  )
  // The same stack without the lean route, answered by hono alone (app.request), for comparison.
  const hono = createHttpHandlers({ ...deps, metrics: undefined }).app
  const served: Served = {
    url: listening.url,
    taken,
    fastAnswered: 0,
    hono,
    metrics,
    registry,
    close: listening.close,
  }
  servers.push(served)
  return served
}

function send(
  url: string,
  options: {
    method?: string
    headers?: Record<string, string>
    body?: string | Uint8Array
    agent?: Agent
  } = {},
): Promise<Answer> {
  // host, port and path apart: a URL string would have its dot segments resolved by the client
  const parsed = /^http:\/\/([^:/]+):(\d+)(\/.*)$/.exec(url)!
  const target = { hostname: parsed[1], port: Number(parsed[2]), path: parsed[3] }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { ...target, method: options.method ?? 'POST', headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The answer's JSON with its decision id replaced, for comparing two answers to the same question. */
function comparable(text: string): unknown {
  return text.replace(/"decision_id":\s*"[0-9a-f-]{36}"/, '"decision_id":"<id>"')
}

describe('lean POST /v1/data route', () => {
  let basic: string
  let served: Served
  let fastServed: Served

  beforeAll(async () => {
    basic = await buildFixture('basic')
    served = await serve(basic)
    fastServed = await serve(basic, {}, undefined, true)
  })

  const questions: Array<[string, string, { body: string | Uint8Array; headers?: Record<string, string> }]> =
    [
      ['an allow', '/v1/data/example/authz/allow', { body: '{"input":{"user":"alice"}}' }],
      ['an undefined document', '/v1/data/example/nothing/here', { body: '{"input":{}}' }],
      ['no input key', '/v1/data/example/authz/allow', { body: '{}' }],
      ['an empty body', '/v1/data/example/authz/allow', { body: '' }],
      ['the data root', '/v1/data', { body: '{"input":{}}' }],
      [
        'a YAML body',
        '/v1/data/example/authz/allow',
        { body: 'input:\n  user: alice\n', headers: { 'content-type': 'application/yaml' } },
      ],
      ['?explain=full (501)', '/v1/data/example/authz/allow?explain=full', { body: '{"input":{}}' }],
      ['?provenance', '/v1/data/example/authz/allow?provenance', { body: '{"input":{"user":"alice"}}' }],
      ['a lone surrogate', '/v1/data/example/authz/echo', { body: '{"input":"\\ud800"}' }],
      ['?pretty', '/v1/data/example/authz/allow?pretty', { body: '{"input":{"user":"alice"}}' }],
      ['?pretty=false', '/v1/data/example/authz/allow?pretty=false', { body: '{"input":{"user":"alice"}}' }],
      ['malformed JSON', '/v1/data/example/authz/allow', { body: '{"input":' }],
      ['a body that is not an object', '/v1/data/example/authz/allow', { body: '[1,2]' }],
      ['invalid UTF-8', '/v1/data/example/authz/echo', { body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) }],
      ['an oversized body', '/v1/data/example/authz/echo', { body: `{"input":"${'x'.repeat(5000)}"}` }],
      [
        'JSON nested past the limit',
        '/v1/data/example/authz/echo',
        { body: `{"input":${'['.repeat(40)}${']'.repeat(40)}}` },
      ],
      [
        'a conflict (evaluation error)',
        '/v1/data/example/authz/conflict',
        { body: '{"input":{"values":[1,2]}}' },
      ],
      [
        'a gzip body',
        '/v1/data/example/authz/allow',
        { body: gzipSync('{"input":{"user":"alice"}}'), headers: { 'content-encoding': 'gzip' } },
      ],
      [
        'a corrupt gzip body',
        '/v1/data/example/authz/allow',
        { body: 'not gzip', headers: { 'content-encoding': 'gzip' } },
      ],
      [
        'an unknown content encoding',
        '/v1/data/example/authz/allow',
        { body: '{}', headers: { 'content-encoding': 'br' } },
      ],
      [
        'a gzip bomb past the body limit',
        '/v1/data/example/authz/echo',
        { body: gzipSync(`{"input":"${'x'.repeat(100_000)}"}`), headers: { 'content-encoding': 'gzip' } },
      ],
    ]

  /** Read whole from the socket, all but a body past --max-body-bytes, which goes to Node's parser. */
  const viaNode = new Set(['an oversized body'])
  for (const [what, path, request] of questions) {
    for (const fast of [false, true]) {
      it(`answers ${what} as the hono route does, from the lean route${fast ? ' on a fast connection' : ''}`, async () => {
        const subject = fast ? fastServed : served
        const before = subject.taken.length
        const answered = subject.fastAnswered
        // A connection of its own (kept alive): one handed to Node's parser stays there.
        const agent = new Agent({ keepAlive: true })
        const lean = await send(`${subject.url}${path}`, { ...request, agent })
        agent.destroy()
        if (fast && !viaNode.has(what)) {
          expect(subject.fastAnswered).toBe(answered + 1)
          expect(subject.taken.slice(before)).toEqual([])
        } else {
          expect(subject.fastAnswered).toBe(answered)
          expect(subject.taken.slice(before)).toEqual([true])
        }
        const hono = await served.hono.request(path, {
          method: 'POST',
          body: request.body as BodyInit,
          ...(request.headers === undefined ? {} : { headers: request.headers }),
        })
        expect(lean.status).toBe(hono.status)
        expect(lean.headers['content-type']).toBe(hono.headers.get('content-type'))
        expect(comparable(lean.body.toString())).toEqual(comparable(await hono.text()))
        if (lean.status !== 200) expect(JSON.parse(lean.body.toString()).result).toBeUndefined()
      })
    }
  }

  it('leaves GET, other paths and paths hono normalizes to hono', async () => {
    const before = served.taken.length
    const get = await send(`${served.url}/v1/data/example/authz/allow`, { method: 'GET' })
    const encoded = await send(`${served.url}/v1/data/example/authz/%61llow`, {
      body: '{"input":{"user":"alice"}}',
    })
    const dotted = await send(`${served.url}/v1/data/example/x/../authz/allow`, {
      body: '{"input":{"user":"alice"}}',
    })
    const other = await send(`${served.url}/v1/dataset`, { body: '{}' })
    expect(served.taken.slice(before)).toEqual([false, false, false, false])
    expect(get.status).toBe(200)
    expect(JSON.parse(encoded.body.toString()).result).toBe(true)
    expect(JSON.parse(dotted.body.toString()).result).toBe(true)
    expect(other.status).toBe(404)
  })

  it('gzips a large answer for a client that accepts it, and only then', async () => {
    const body = JSON.stringify({ input: { text: 'y'.repeat(2000) } })
    const zipped = await send(`${served.url}/v1/data/example/authz/echo`, {
      body,
      headers: { 'accept-encoding': 'gzip, deflate' },
    })
    expect(zipped.headers['content-encoding']).toBe('gzip')
    expect(zipped.headers.vary).toBe('Accept-Encoding')
    expect(JSON.parse(gunzipSync(zipped.body).toString()).result.text).toHaveLength(2000)
    const plain = await send(`${served.url}/v1/data/example/authz/echo`, {
      body,
      headers: { 'accept-encoding': 'gzip;q=0' },
    })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(plain.body.toString()).result.text).toHaveLength(2000)
  })

  it('counts its requests under the route patterns and handler hono reports', async () => {
    const fresh = await serve(basic)
    await send(`${fresh.url}/v1/data/example/authz/allow`, { body: '{"input":{}}' })
    await send(`${fresh.url}/v1/data`, { body: '{"input":{}}' })
    await send(`${fresh.url}/v1/data/example/authz/allow`, { body: '{"input":' })
    const text = (await fresh.metrics.render()).body
    expect(text).toMatch(
      /clearance_http_requests_total\{method="POST",route="\/v1\/data\/\*",status="200"\} 1/,
    )
    expect(text).toMatch(/clearance_http_requests_total\{method="POST",route="\/v1\/data",status="200"\} 1/)
    expect(text).toMatch(
      /clearance_http_requests_total\{method="POST",route="\/v1\/data\/\*",status="400"\} 1/,
    )
    expect(text).toMatch(
      /http_request_duration_seconds_count\{code="200",handler="v1\/data",method="post"\} 2/,
    )
    expect(fresh.taken).toEqual([true, true, true])
  })

  it('denies with 500 when no policy set is active', async () => {
    const idle = createPolicyRegistry()
    const empty = await serve(basic, { decider: createDecider({ registry: idle }) })
    const res = await send(`${empty.url}/v1/data/example/authz/allow`, { body: '{"input":{"user":"alice"}}' })
    expect(res.status).toBe(500)
    const body = JSON.parse(res.body.toString())
    expect(body.code).toBe('internal_error')
    expect(body.result).toBeUndefined()
    expect(empty.taken).toEqual([true])
  })
})

describe('lean route: authentication and the in-flight limit', () => {
  let basic: string

  beforeAll(async () => {
    basic = await buildFixture('basic')
  })

  it('refuses a missing or wrong bearer token as the middleware does, and counts the refusal', async () => {
    const refused: string[] = []
    const authentication = {
      mode: 'token' as const,
      tokens: ['s3cret'],
      onRefused: (reason: string) => refused.push(reason),
    }
    const served = await serve(basic, { authentication })
    const path = '/v1/data/example/authz/allow'
    const body = '{"input":{"user":"alice"}}'
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'Basic s3cret' },
    ]
    for (const headers of attempts) {
      const lean = await send(`${served.url}${path}`, { body, headers })
      const hono = await served.hono.request(path, { method: 'POST', body, headers })
      expect(lean.status).toBe(401)
      expect(JSON.parse(lean.body.toString())).toEqual(await hono.json())
    }
    const ok = await send(`${served.url}${path}`, { body, headers: { authorization: 'Bearer s3cret' } })
    expect(JSON.parse(ok.body.toString()).result).toBe(true)
    expect(served.taken).toEqual([true, true, true, true])
    // each refusal counted once by the lean route, once by hono's middleware
    expect(refused).toEqual([
      'missing_token',
      'missing_token',
      'wrong_token',
      'wrong_token',
      'missing_token',
      'missing_token',
    ])
  })

  it('holds a scoped token to its scopes as the middleware does: a read-only token may not decide', async () => {
    const authentication = {
      mode: 'token' as const,
      tokens: [
        { token: 'reader', scopes: new Set(['read'] as const) },
        { token: 'decider', scopes: new Set(['decide'] as const) },
      ],
    }
    const served = await serve(basic, { authentication })
    const path = '/v1/data/example/authz/allow'
    const body = '{"input":{"user":"alice"}}'
    const headers = { authorization: 'Bearer reader' }
    const lean = await send(`${served.url}${path}`, { body, headers })
    const hono = await served.hono.request(path, { method: 'POST', body, headers })
    expect(lean.status).toBe(403)
    expect(JSON.parse(lean.body.toString())).toEqual(await hono.json())
    const ok = await send(`${served.url}${path}`, { body, headers: { authorization: 'Bearer decider' } })
    expect(JSON.parse(ok.body.toString()).result).toBe(true)
    expect(served.taken).toEqual([true, true])
  })

  it('holds fast connections to the same tokens, scopes and in-flight limit', async () => {
    const authentication = {
      mode: 'token' as const,
      tokens: ['s3cret', { token: 'reader', scopes: new Set(['read'] as const) }],
    }
    const served = await serve(basic, { authentication, maxConcurrent: 1 }, undefined, true)
    const path = '/v1/data/example/authz/allow'
    const body = '{"input":{"user":"alice"}}'
    const fresh = () => new Agent({ keepAlive: true })
    const attempts: Array<[Record<string, string>, number]> = [
      [{}, 401],
      [{ authorization: 'Bearer wrong' }, 401],
      [{ authorization: 'Bearer reader' }, 403],
    ]
    for (const [headers, status] of attempts) {
      const agent = fresh()
      const answer = await send(`${served.url}${path}`, { body, headers, agent })
      agent.destroy()
      expect(answer.status).toBe(status)
      expect(JSON.parse(answer.body.toString()).result).toBeUndefined()
    }
    expect(served.fastAnswered).toBe(3)
    // a request that has sent its headers but not its body goes to Node's parser and holds the one slot
    const held = httpRequest(`${served.url}${path}`, {
      method: 'POST',
      headers: { 'content-length': '26', authorization: 'Bearer s3cret' },
      agent: fresh(),
    })
    const heldAnswer = new Promise<number>((resolve) =>
      held.on('response', (res) => resolve(res.statusCode ?? 0)),
    )
    held.write('{"input":')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const agent = fresh()
    const refused = await send(`${served.url}${path}`, {
      body,
      headers: { authorization: 'Bearer s3cret' },
      agent,
    })
    expect(refused.status).toBe(429)
    expect(served.fastAnswered).toBe(4)
    held.end('{"user":"alice"}}')
    expect(await heldAnswer).toBe(200)
    const ok = await send(`${served.url}${path}`, {
      body,
      headers: { authorization: 'Bearer s3cret' },
      agent,
    })
    agent.destroy()
    expect(JSON.parse(ok.body.toString()).result).toBe(true)
    expect(served.fastAnswered).toBe(5)
  })

  it("redirects '//' and a trailing slash through hono, as OPA's router does", async () => {
    const served = await serve(basic, {})
    const body = '{"input":{"user":"alice"}}'
    const doubled = await send(`${served.url}/v1/data//example/authz/allow`, { body })
    const trailing = await send(`${served.url}/v1/data/example/authz/allow/`, { body })
    expect(served.taken).toEqual([false, false])
    expect(doubled.status).toBe(307)
    expect(doubled.headers.location).toBe('/v1/data/example/authz/allow')
    expect(trailing.status).toBe(301)
  })

  it('answers 429 past --max-concurrent, sharing one count with the hono routes', async () => {
    const served = await serve(basic, { maxConcurrent: 1 })
    // a request that has sent its headers but not its body holds the one slot
    const held = httpRequest(`${served.url}/v1/data/example/authz/allow`, {
      method: 'POST',
      headers: { 'content-length': '26' },
    })
    const heldAnswer = new Promise<number>((resolve) =>
      held.on('response', (res) => resolve(res.statusCode ?? 0)),
    )
    held.write('{"input":')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const refused = await send(`${served.url}/v1/data/example/authz/allow`, { body: '{"input":{}}' })
    expect(refused.status).toBe(429)
    expect(JSON.parse(refused.body.toString()).code).toBe('too_many_requests')
    // a hono route counts against the same limit
    const batch = await send(`${served.url}/v1/batch/data/example/authz/allow`, { body: '{"inputs":{}}' })
    expect(batch.status).toBe(429)
    held.end('{"user":"alice"}}')
    expect(await heldAnswer).toBe(200)
    const after = await send(`${served.url}/v1/data/example/authz/allow`, { body: '{"input":{}}' })
    expect(after.status).toBe(200)
  })
})

describe('lean route: the evaluation time limit', () => {
  it('stops a runaway evaluation and denies it with 500', async () => {
    const served = await serve(await buildFixture('slow-loop'), {}, 250)
    const started = performance.now()
    const res = await send(`${served.url}/v1/data/slow/pairs`, { body: '{"input":{"n":100000}}' })
    expect(res.status).toBe(500)
    const body = JSON.parse(res.body.toString())
    expect(body.code).toBe('evaluation_error')
    expect(body.result).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(20_000)
    expect(served.taken).toEqual([true])
    // denied while the stopped instance is replaced, then answered again
    await vi.waitFor(
      async () => {
        const quick = await send(`${served.url}/v1/data/slow/pairs`, { body: '{"input":{"n":3}}' })
        expect(JSON.parse(quick.body.toString()).result).toBe(true)
      },
      { timeout: 20_000, interval: 100 },
    )
  })
})
