// The hono middleware: decides before the handler, answers denials, puts obligations on the context, masks JSON
// responses, and fails closed on anything it cannot fulfil.
import type { AddressInfo } from 'node:net'
import { type HttpBindings, serve } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type ClearanceVariables, clearanceHono, createClient, type GuardOptions } from '../../sdk/index.js'
import { closedPortUrl } from './support/fake-pdp.js'
import { allowWith, DENIED, stubAuthorizer } from './support/stub-authorizer.js'

const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'

function appWith(options: GuardOptions): Hono<{ Variables: ClearanceVariables }> {
  const app = new Hono<{ Variables: ClearanceVariables }>()
  app.use('*', clearanceHono({ log: false, ...options }))
  app.get('/orders/:id', (c) => {
    const clearance = c.get('clearance')
    return c.json({
      id: c.req.param('id'),
      customer: { email: 'carol@example.net', name: 'Carol' },
      audit: clearance.audit,
      maskFields: clearance.maskFields,
      rateLimitClass: clearance.rateLimitClass,
    })
  })
  app.post('/payments.v1.Payments/Charge', (c) =>
    c.json({ status: 'charged', card: { pan: '4111', expiry: '12/29' } }),
  )
  return app
}

const asOrders = { headers: { 'x-spiffe-id': ORDERS, 'x-clearance-purpose': 'order_status' } }

describe('hono middleware', () => {
  it('asks with the caller, the route template and the configured service, then lets the request through', async () => {
    const authorizer = stubAuthorizer(
      allowWith([{ type: 'audit' }, { type: 'rate_limit', class: 'internal' }]),
    )
    const app = appWith({ service: 'orders', authorizer, identity: { header: 'x-spiffe-id' } })
    const res = await app.request('/orders/17', asOrders)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      id: '17',
      audit: true,
      maskFields: [],
      rateLimitClass: 'internal',
    })
    expect(authorizer.inputs[0]).toMatchObject({
      subject: { type: 'service', spiffe_id: ORDERS, authenticated: true },
      target: { service: 'orders', operation: { method: 'GET', path: '/orders/{id}' } },
      purpose: 'order_status',
    })
  })

  it('names the route of the handler that answers, not a later match or a later middleware', async () => {
    const authorizer = stubAuthorizer(allowWith())
    const app = new Hono<{ Variables: ClearanceVariables }>()
    app.use('*', clearanceHono({ service: 'orders', authorizer }))
    app.use('/orders/*', async (_c, next) => next())
    app.get('/orders/export', (c) => c.json([]))
    app.get('/orders/:id', (c) => c.json({}))
    app.post('/orders/:id/refund', clearanceHono({ service: 'orders', authorizer }), (c) => c.json({}))
    await app.request('/orders/export')
    await app.request('/orders/17')
    await app.request('/orders/17/refund', { method: 'POST' })
    const paths = authorizer.inputs.map(
      (input) => (input as { target: { operation: unknown } }).target.operation,
    )
    expect(paths).toEqual([
      { method: 'GET', path: '/orders/export' },
      { method: 'GET', path: '/orders/{id}' },
      { method: 'POST', path: '/orders/{id}/refund' },
      { method: 'POST', path: '/orders/{id}/refund' },
    ])
  })

  it('answers a deny with 403 and no reasons by default, without running the handler, and logs the reasons', async () => {
    const logged: unknown[] = []
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(DENIED),
      log: { warn: (fields) => logged.push(fields) },
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      code: 'forbidden',
      message: 'denied by policy',
      decision_id: DENIED.decisionId,
    })
    expect(logged).toEqual([expect.objectContaining({ status: 403, reasons: DENIED.reasons })])
  })

  it('shows the reasons when exposeReasons is set', async () => {
    const app = appWith({ service: 'orders', authorizer: stubAuthorizer(DENIED), exposeReasons: true })
    expect(await (await app.request('/orders/17')).json()).toMatchObject({ reasons: DENIED.reasons })
  })

  it('answers 401 when the policy says authentication is required', async () => {
    const authorizer = stubAuthorizer({
      ...DENIED,
      reasons: [{ code: 'authentication_required', message: 'sign in' }],
    })
    const res = await appWith({ service: 'orders', authorizer }).request('/orders/17')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' })
  })

  it('uses the configured status for a policy denial', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(DENIED),
      denyStatus: 404,
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      code: 'forbidden',
      message: 'denied by policy',
      decision_id: DENIED.decisionId,
    })
  })

  it('masks the fields the policy names in JSON responses', async () => {
    const authorizer = stubAuthorizer(
      allowWith([{ type: 'mask_fields', fields: ['customer.email', 'card.pan'] }]),
    )
    const app = appWith({ service: 'orders', authorizer })
    const order = (await (await app.request('/orders/17')).json()) as { customer: unknown }
    expect(order.customer).toEqual({ email: '***', name: 'Carol' })
    const charge = await app.request('/payments.v1.Payments/Charge', { method: 'POST' })
    expect(await charge.json()).toEqual({ status: 'charged', card: { pan: '***', expiry: '12/29' } })
  })

  it('denies an allow that carries an obligation it cannot fulfil', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(allowWith([{ type: 'notify_dpo' }])),
      exposeReasons: true,
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(403)
    expect(((await res.json()) as { reasons: Array<{ code: string }> }).reasons[0]?.code).toBe(
      'unknown_obligation',
    )
    const lenient = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(allowWith([{ type: 'notify_dpo' }])),
      unknownObligations: 'ignore',
    })
    expect((await lenient.request('/orders/17')).status).toBe(200)
  })

  it('answers 503 when the authorizer throws', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(() => {
        throw new Error('boom')
      }),
      exposeReasons: true,
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ code: 'unavailable', reasons: [{ code: 'pdp_error' }] })
  })

  it('answers an unreachable PDP with 503 and Retry-After, without naming the PDP', async () => {
    const url = await closedPortUrl()
    const authorizer = createClient({ url, retries: 0, throwOnError: true })
    const res = await appWith({ service: 'orders', authorizer, retryAfterSeconds: 2 }).request('/orders/17')
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('2')
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({
      code: 'unavailable',
      message: 'no policy decision could be made; try again later',
    })
    expect(text).not.toContain(new URL(url).port)
  })

  it('denies when the decision hook cannot record an audited decision', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(allowWith([{ type: 'audit' }])),
      onDecision: (authorization) => {
        if (authorization.audit) throw new Error('audit sink unavailable')
      },
      exposeReasons: true,
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ reasons: [{ code: 'obligation_failed' }] })
  })

  it('says when no decision could be made', async () => {
    const authorizer = stubAuthorizer({
      ...DENIED,
      decisionId: undefined,
      reasons: [{ code: 'pdp_timeout', message: 'slow' }],
      error: { code: 'pdp_timeout', message: 'slow' },
    })
    const res = await appWith({ service: 'orders', authorizer, exposeReasons: true }).request('/orders/17')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      code: 'unavailable',
      message: 'no policy decision could be made; try again later',
      reasons: [{ code: 'pdp_timeout', message: 'slow' }],
    })
  })

  describe('masks every response with a JSON content type', () => {
    const masked = allowWith([{ type: 'mask_fields', fields: ['email', 'customer.phone'] }])
    const ROW = { id: 1, email: 'carol@example.net', customer: { phone: '+1 555 0100' } }
    const MASKED = { id: 1, email: '***', customer: { phone: '***' } }
    const appOf = (handler: (c: import('hono').Context) => Response | Promise<Response>) => {
      const app = new Hono<{ Variables: ClearanceVariables }>()
      app.use('*', clearanceHono({ service: 'orders', authorizer: stubAuthorizer(masked), log: false }))
      app.get('/rows', handler)
      return app
    }

    it('c.json', async () => {
      const res = await appOf((c) => c.json([ROW])).request('/rows')
      expect(await res.json()).toEqual([MASKED])
    })

    it('c.body with a JSON content type, including +json types', async () => {
      const res = await appOf((c) =>
        c.body(JSON.stringify(ROW), 200, { 'content-type': 'application/problem+json' }),
      ).request('/rows')
      expect(await res.json()).toEqual(MASKED)
    })

    it('a streamed JSON body', async () => {
      const res = await appOf(
        () =>
          new Response(
            new ReadableStream({
              start(controller) {
                const text = JSON.stringify([ROW, ROW])
                controller.enqueue(new TextEncoder().encode(text.slice(0, 10)))
                controller.enqueue(new TextEncoder().encode(text.slice(10)))
                controller.close()
              },
            }),
            { headers: { 'content-type': 'application/json' } },
          ),
      ).request('/rows')
      expect(await res.json()).toEqual([MASKED, MASKED])
    })

    it('a handler writing to the Node response itself under @hono/node-server', async () => {
      const app = new Hono<{ Bindings: HttpBindings; Variables: ClearanceVariables }>()
      app.use('*', clearanceHono({ service: 'orders', authorizer: stubAuthorizer(masked), log: false }))
      app.get('/rows', (c) => {
        c.env.outgoing.writeHead(200, { 'content-type': 'application/json' })
        c.env.outgoing.end(JSON.stringify([ROW]))
        return RESPONSE_ALREADY_SENT
      })
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
      await new Promise<void>((resolve) => server.once('listening', resolve))
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rows`)
        expect(await res.json()).toEqual([MASKED])
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    })

    it('fails closed with a 500 when a JSON body cannot be parsed', async () => {
      const res = await appOf((c) =>
        c.body(`${JSON.stringify(ROW)}\n${JSON.stringify(ROW)}`, 200, {
          'content-type': 'application/x-ndjson',
        }),
      ).request('/rows')
      expect(res.status).toBe(500)
      expect(await res.text()).not.toContain('carol')
    })
  })
})
