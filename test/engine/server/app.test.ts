import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry } from '../../../engine/activation/policy-registry.js'
import { createDecider } from '../../../engine/decision/decider.js'
import type { createApp } from '../../../engine/server/index.js'
import { createApp as makeApp } from '../../../engine/server/index.js'
import { appFor, silentLog } from '../../helpers/app.js'
import { buildFixture } from '../../helpers/fixtures.js'

type App = ReturnType<typeof createApp>
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function post(app: App, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }),
  )
}

describe('HTTP API', () => {
  let app: App

  beforeAll(async () => {
    app = (await appFor({ basic: await buildFixture('basic') }, { maxBodyBytes: 4096 })).app
  })

  describe('POST /v1/data/{path}', () => {
    it('answers result, decision id and the bundle revision', async () => {
      const res = await post(app, '/v1/data/example/authz/allow', '{"input":{"user":"alice"}}')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('application/json')
      const body = await res.json()
      expect(body.result).toBe(true)
      expect(body.decision_id).toMatch(UUID)
      expect(body.provenance.bundles).toEqual({ basic: { revision: 'rev-basic' } })
      expect(body.warning).toBeUndefined()
    })

    it('gives every decision its own id', async () => {
      const a = await (await post(app, '/v1/data/example/authz/allow', '{"input":{}}')).json()
      const b = await (await post(app, '/v1/data/example/authz/allow', '{"input":{}}')).json()
      expect(a.decision_id).not.toBe(b.decision_id)
    })

    it('omits result with 200 when the document is undefined', async () => {
      const res = await post(app, '/v1/data/example/nothing/here', '{"input":{}}')
      expect(res.status).toBe(200)
      const body = await res.json()
      expect('result' in body).toBe(false)
      expect(body.decision_id).toMatch(UUID)
    })

    it('warns, as OPA does, when the body has no input key', async () => {
      for (const body of ['{}', '']) {
        const res = await post(app, '/v1/data/example/authz/allow', body)
        expect((await res.json()).warning).toEqual({
          code: 'api_usage_warning',
          message: "'input' key missing from the request",
        })
      }
    })

    it('passes falsy inputs through unchanged', async () => {
      for (const input of ['false', '0', '""', 'null']) {
        const res = await post(app, '/v1/data/example/authz/echo', `{"input":${input}}`)
        expect(await res.text()).toContain(`"result":${input}}`)
      }
    })

    it('keeps integers beyond 2^53 exact from request to response', async () => {
      const res = await post(
        app,
        '/v1/data/example/authz/echo',
        '{"input":{"id":123456789012345678901234567890}}',
      )
      expect(await res.text()).toContain('"result":{"id":123456789012345678901234567890}')
    })

    it('indents with ?pretty and reports OPA timers with ?metrics', async () => {
      const res = await post(app, '/v1/data/example/authz/allow?pretty&metrics', '{"input":{"user":"alice"}}')
      const text = await res.text()
      expect(text).toContain('\n  "result": true')
      const body = JSON.parse(text)
      expect(Object.keys(body.metrics).sort()).toEqual([
        'timer_rego_input_parse_ns',
        'timer_rego_query_eval_ns',
        'timer_server_handler_ns',
      ])
      expect(body.metrics.timer_server_handler_ns).toBeGreaterThan(0)
    })

    it('accepts gzip request bodies', async () => {
      const res = await app.request('/v1/data/example/authz/allow', {
        method: 'POST',
        body: gzipSync('{"input":{"user":"alice"}}'),
        headers: { 'content-encoding': 'gzip' },
      })
      expect((await res.json()).result).toBe(true)
    })

    it('answers malformed JSON with 400 invalid_parameter', async () => {
      const res = await post(app, '/v1/data/example/authz/allow', '{"input":')
      expect(res.status).toBe(400)
      const body = await res.json()
      expect(body.code).toBe('invalid_parameter')
      expect(body.message).toMatch(/^body contains malformed input document: /)
    })

    it('answers a body that is not an object with 400', async () => {
      const res = await post(app, '/v1/data/example/authz/allow', '[1,2]')
      expect(res.status).toBe(400)
      expect((await res.json()).code).toBe('invalid_parameter')
    })

    it('answers an oversized body with 413', async () => {
      const res = await post(app, '/v1/data/example/authz/allow', `{"input":"${'x'.repeat(5000)}"}`)
      expect(res.status).toBe(413)
      expect((await res.json()).code).toBe('resource_too_large')
    })

    it("answers a conflict with OPA's 500 internal_error, an eval_conflict_error entry and no stack trace", async () => {
      const res = await post(app, '/v1/data/example/authz/conflict', '{"input":{"values":[1,2]}}')
      expect(res.status).toBe(500)
      const body = await res.json()
      expect(body.code).toBe('internal_error')
      expect(body.errors.map((error: { code: string }) => error.code)).toEqual(['eval_conflict_error'])
      expect(JSON.stringify(body)).not.toMatch(/\.ts:\d+|at .*\(/)
    })

    it('refuses writes: the data API is read-only', async () => {
      const res = await app.request('/v1/data/example/users', { method: 'PUT', body: '{}' })
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({
        code: 'invalid_parameter',
        message: 'all paths owned by bundle "basic"',
      })
    })
  })

  describe('GET /v1/data/{path}', () => {
    it('evaluates with the input query parameter', async () => {
      const input = encodeURIComponent('{"user":"alice"}')
      const res = await app.request(`/v1/data/example/authz/allow?input=${input}`)
      expect((await res.json()).result).toBe(true)
    })

    it('returns bundle data for data paths', async () => {
      const res = await app.request('/v1/data/example/users/alice')
      expect((await res.json()).result).toEqual({ role: 'admin' })
    })

    it('answers a malformed input parameter with 400', async () => {
      const res = await app.request('/v1/data/example/authz/allow?input=%7Bbad')
      expect(res.status).toBe(400)
      expect((await res.json()).code).toBe('invalid_parameter')
    })
  })

  describe('POST / (default decision)', () => {
    it('takes the whole body as input and answers the bare value', async () => {
      const res = await post(app, '/', '{"user":"alice"}')
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ hello: 'alice' })
    })

    it('answers 404 undefined_document when the decision is undefined', async () => {
      const res = await post(app, '/', '{}')
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({
        code: 'undefined_document',
        message: 'document undefined: data.system.main',
      })
    })

    it('answers malformed JSON with 400', async () => {
      const res = await post(app, '/', '{')
      expect(res.status).toBe(400)
      expect((await res.json()).code).toBe('invalid_parameter')
    })
  })

  describe('POST /v1/batch/data/{path}', () => {
    it('answers every input with its own decision and 200 when all succeed', async () => {
      const res = await post(
        app,
        '/v1/batch/data/example/authz/allow',
        '{"inputs":{"a":{"user":"alice"},"b":{"user":"bob"}}}',
      )
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.responses.a.result).toBe(true)
      expect(body.responses.b.result).toBe(false)
      expect(body.responses.a.decision_id).not.toBe(body.responses.b.decision_id)
      expect(body.responses.a.http_status_code).toBeUndefined()
    })

    it('answers 207 with a status per item when some fail', async () => {
      const res = await post(
        app,
        '/v1/batch/data/example/authz/conflict',
        '{"inputs":{"ok":{"values":[1]},"bad":{"values":[1,2]}}}',
      )
      expect(res.status).toBe(207)
      const body = await res.json()
      expect(body.responses.ok).toMatchObject({ http_status_code: '200', result: 1 })
      expect(body.responses.bad).toMatchObject({ http_status_code: '500', code: 'internal_error' })
      expect(typeof body.responses.bad.message).toBe('string')
    })

    it('answers 500 when every item fails', async () => {
      const res = await post(
        app,
        '/v1/batch/data/example/authz/conflict',
        '{"inputs":{"bad":{"values":[1,2]}}}',
      )
      expect(res.status).toBe(500)
    })

    it('merges common_input under each input', async () => {
      const res = await post(
        app,
        '/v1/batch/data/example/authz/echo',
        '{"common_input":{"a":1,"b":{"c":2}},"inputs":{"x":{"b":{"d":3}}}}',
      )
      expect((await res.json()).responses.x.result).toEqual({ a: 1, b: { c: 2, d: 3 } })
    })

    it('refuses inputs that are not an object with 400', async () => {
      const res = await post(app, '/v1/batch/data/example/authz/allow', '{"inputs":[1]}')
      expect(res.status).toBe(400)
    })
  })

  describe('health', () => {
    it('answers 200 {} on /health, /health?bundles, /health/live and /health/ready once bundles are active', async () => {
      for (const path of ['/health', '/health?bundles', '/health/live', '/health/ready']) {
        const res = await app.request(path)
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({})
      }
    })

    it('answers 500 on readiness while no bundle is active, and decisions fail closed', async () => {
      const registry = createPolicyRegistry()
      const empty = makeApp({
        decider: createDecider({ registry }),
        config: {
          defaultDecision: 'system/main',
          maxBodyBytes: 1024,
          json: { maxDepth: 64, maxElements: 1000 },
        },
        log: silentLog,
        version: 'test',
        bundlesNotReady: () =>
          registry.current() === undefined ? 'not all bundles have been activated' : undefined,
      })
      expect((await empty.request('/health/ready')).status).toBe(500)
      expect((await empty.request('/health?bundles')).status).toBe(500)
      expect((await empty.request('/health/live')).status).toBe(200)
      const res = await post(empty, '/v1/data/example/authz/allow', '{"input":{"user":"alice"}}')
      expect(res.status).toBe(500)
      expect((await res.json()).result).toBeUndefined()
    })
  })

  it('answers unknown API routes with 404 in OPA error shape', async () => {
    const res = await app.request('/v2/data/x')
    expect(res.status).toBe(404)
    expect((await res.json()).code).toBe('resource_not_found')
  })
})

describe('request limits', () => {
  let app: App

  beforeAll(async () => {
    app = (await appFor({ basic: await buildFixture('basic') }, { maxJsonDepth: 16 })).app
  })

  it('refuses JSON nested deeper than the limit with 400, naming the limit', async () => {
    const deep = `{"input":${'['.repeat(40)}${']'.repeat(40)}}`
    const res = await post(app, '/v1/data/example/authz/echo', deep)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.code).toBe('invalid_parameter')
    expect(body.message).toContain('16')
  })

  it('accepts nesting within the limit, and brackets inside strings do not count', async () => {
    const res = await post(
      app,
      '/v1/data/example/authz/echo',
      `{"input":{"s":"${'['.repeat(100)}","a":[[[1]]]}}`,
    )
    expect(res.status).toBe(200)
  })

  it('refuses a query-parameter input nested past the limit too', async () => {
    const input = encodeURIComponent(`${'['.repeat(40)}${']'.repeat(40)}`)
    expect((await app.request(`/v1/data/example/authz/echo?input=${input}`)).status).toBe(400)
  })
})

describe('fail-closed answers', () => {
  it('answers a policy whose decision is not {allow, reasons, obligations} with 500, never an allow', async () => {
    const { app } = await appFor({ basic: await buildFixture('basic') }, { checkPath: 'example/authz/echo' })
    const res = await post(app, '/v1/check', '{"allow":true}')
    expect(res.status).toBe(500)
    const body = await res.json()
    expect(body.code).toBe('evaluation_error')
    expect(body.allow).toBeUndefined()
  })

  it('answers an undefined decision on /v1/check with 500', async () => {
    const { app } = await appFor({ basic: await buildFixture('basic') }, { checkPath: 'example/nothing' })
    const res = await post(app, '/v1/check', '{}')
    expect(res.status).toBe(500)
    expect((await res.json()).code).toBe('evaluation_error')
  })

  it('answers a corrupt gzip body and an unknown content encoding with 400', async () => {
    const { app } = await appFor({ basic: await buildFixture('basic') })
    for (const [encoding, body] of [
      ['gzip', 'not gzip at all'],
      ['br', '{"input":{}}'],
    ] as const) {
      const res = await app.request('/v1/data/example/authz/allow', {
        method: 'POST',
        body,
        headers: { 'content-encoding': encoding },
      })
      expect(res.status).toBe(400)
      expect((await res.json()).code).toBe('invalid_parameter')
    }
  })
})
