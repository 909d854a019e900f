// AuthZEN 1.0 over a real socket: the published decisions of the AuthZEN Todo interop scenario, the batch endpoint's
// evaluation semantics, the metadata document, and the mapping onto Clearance's own model.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureDir } from '../../../helpers/fixtures.js'
import { createIssuer, gatewayApp } from '../../../helpers/gateway-app.js'
import { buildPolicyBundle } from '../../../helpers/policy-bundle.js'

type Json = Record<string, unknown>
interface Case<E> {
  request: Json
  expected: E
}
const interop = JSON.parse(
  readFileSync(join(fixtureDir('authzen-interop'), 'todo-decisions.json'), 'utf8'),
) as { evaluation: Case<boolean>[]; evaluations: Case<{ decision: boolean }[]>[] }

type Listening = Awaited<ReturnType<typeof gatewayApp>>
const post = async (
  gateway: Listening,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await fetch(`${gateway.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json }
}

describe('AuthZEN Todo interop scenario', () => {
  let gateway: Listening
  beforeAll(async () => {
    gateway = await gatewayApp({
      bundle: await buildFixture('authzen-todo'),
      issuer: await createIssuer('authzen'),
      authzenPath: 'authzen/todo/decision',
    })
  })
  afterAll(async () => {
    await gateway.server.close()
  })

  it.each(interop.evaluation.map((c, i) => [i, c.request.subject, c.request.action, c.request.resource, c]))(
    'evaluation #%i answers as published',
    async (_i, _s, _a, _r, c) => {
      const { status, body } = await post(gateway, '/access/v1/evaluation', c.request)
      expect(status).toBe(200)
      expect(body.decision).toBe(c.expected)
      expect((body.context as Json).decision_id).toMatch(/^[0-9a-f-]{36}$/)
    },
  )

  it.each(interop.evaluations.map((c, i) => [i, c]))(
    'evaluations #%i answers as published',
    async (_i, c) => {
      const { status, body } = await post(gateway, '/access/v1/evaluations', c.request)
      expect(status).toBe(200)
      expect((body.evaluations as { decision: boolean }[]).map(({ decision }) => ({ decision }))).toEqual(
        c.expected,
      )
    },
  )

  const morty = interop.evaluations[1]!.request // deny, then permit
  it('stops at the first deny under deny_on_first_deny', async () => {
    const { body } = await post(gateway, '/access/v1/evaluations', {
      ...morty,
      options: { evaluations_semantic: 'deny_on_first_deny' },
    })
    expect((body.evaluations as Json[]).map((e) => e.decision)).toEqual([false])
  })

  it('stops at the first permit under permit_on_first_permit, runs all under execute_all', async () => {
    const first = await post(gateway, '/access/v1/evaluations', {
      ...morty,
      options: { evaluations_semantic: 'permit_on_first_permit' },
    })
    expect((first.body.evaluations as Json[]).map((e) => e.decision)).toEqual([false, true])
    const rick = interop.evaluations[0]!.request
    const short = await post(gateway, '/access/v1/evaluations', {
      ...rick,
      options: { evaluations_semantic: 'permit_on_first_permit' },
    })
    expect((short.body.evaluations as Json[]).map((e) => e.decision)).toEqual([true])
    const all = await post(gateway, '/access/v1/evaluations', {
      ...rick,
      options: { evaluations_semantic: 'execute_all' },
    })
    expect((all.body.evaluations as Json[]).length).toBe(2)
  })

  it('answers a batch without a list as a single evaluation, echoing X-Request-ID', async () => {
    const { body, headers } = await post(gateway, '/access/v1/evaluations', interop.evaluation[0]!.request, {
      'x-request-id': 'req-42',
    })
    expect(body.decision).toBe(true)
    expect(headers.get('x-request-id')).toBe('req-42')
  })

  it('refuses an invalid request with 400, naming every bad field', async () => {
    const { status, body } = await post(gateway, '/access/v1/evaluation', {
      subject: { type: 'user' },
      action: {},
      resource: { type: 'todo', id: 'x', properties: 'no' },
    })
    expect(status).toBe(400)
    expect(body.code).toBe('invalid_parameter')
    expect((body.errors as Json[]).map((e) => e.message)).toEqual([
      'subject.id must be a non-empty string',
      'action.name must be a non-empty string',
      'resource.properties must be an object',
    ])
    const semantic = await post(gateway, '/access/v1/evaluations', {
      ...morty,
      options: { evaluations_semantic: 'all' },
    })
    expect(semantic.status).toBe(400)
  })

  it('publishes its endpoints at /.well-known/authzen-configuration', async () => {
    const res = await fetch(`${gateway.server.url}/.well-known/authzen-configuration`)
    expect(await res.json()).toEqual({
      policy_decision_point: gateway.server.url,
      access_evaluation_endpoint: `${gateway.server.url}/access/v1/evaluation`,
      access_evaluations_endpoint: `${gateway.server.url}/access/v1/evaluations`,
    })
  })
})

describe('AuthZEN onto the Clearance model (clearance/authzen/decision)', () => {
  let gateway: Listening
  beforeAll(async () => {
    gateway = await gatewayApp({
      bundle: await buildPolicyBundle(),
      issuer: await createIssuer('authzen-shop'),
      authzenPath: 'clearance/authzen/decision',
    })
  })
  afterAll(async () => {
    await gateway.server.close()
  })

  it('answers with the allow, reasons and obligations of POST /v1/check for the same request', async () => {
    const connection = { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.20' }
    const { body } = await post(gateway, '/access/v1/evaluation', {
      subject: { type: 'service', id: 'spiffe://shop.example/ns/prod/sa/orders' },
      action: { name: 'payments.v1.Payments/Charge' },
      resource: { type: 'service', id: 'payments' },
      context: { connection, purpose: 'checkout', time: '2025-06-01T12:00:00Z' },
    })
    const direct = await post(gateway, '/v1/check', {
      subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders', authenticated: true },
      connection,
      target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
      purpose: 'checkout',
      time: '2025-06-01T12:00:00Z',
    })
    expect(body.decision).toBe(true)
    expect((body.context as Json).reasons).toEqual(direct.body.reasons)
    expect((body.context as Json).obligations).toEqual(direct.body.obligations)
  })

  it('denies, with the reason in the context, when the purpose is missing', async () => {
    const { body } = await post(gateway, '/access/v1/evaluation', {
      subject: { type: 'service', id: 'spiffe://shop.example/ns/prod/sa/orders' },
      action: { name: 'payments.v1.Payments/Charge' },
      resource: { type: 'service', id: 'payments' },
      context: {
        connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.20' },
        time: '2025-06-01T12:00:00Z',
      },
    })
    expect(body.decision).toBe(false)
    expect(((body.context as Json).reasons as Json[]).length).toBeGreaterThan(0)
  })

  it('answers decision false with the error when the decision path is undefined', async () => {
    const broken = await gatewayApp({
      bundle: await buildPolicyBundle(),
      issuer: await createIssuer('authzen-broken'),
      authzenPath: 'clearance/authzen/no_such_rule',
    })
    try {
      const { status, body } = await post(broken, '/access/v1/evaluation', {
        subject: { type: 'user', id: 'x' },
        action: { name: 'GET /' },
        resource: { type: 'service', id: 'web' },
      })
      expect(status).toBe(200)
      expect(body.decision).toBe(false)
      expect(((body.context as Json).error as Json).code).toBe('evaluation_error')
    } finally {
      await broken.server.close()
    }
  })
})
