// The hono middleware: decides before the handler, answers denials, puts obligations on the context, masks JSON
// responses, and fails closed on anything it cannot fulfil.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type ClearanceVariables, clearanceHono, createClient, type GuardOptions } from '../../sdk/index.js'
import { closedPortUrl } from './support/fake-pdp.js'
import { allowWith, DENIED, stubAuthorizer } from './support/stub-authorizer.js'

const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'

function appWith(options: GuardOptions): Hono<{ Variables: ClearanceVariables }> {
  const app = new Hono<{ Variables: ClearanceVariables }>()
  app.use('*', clearanceHono(options))
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

  it('answers a deny with 403 and the reasons, without running the handler', async () => {
    const app = appWith({ service: 'orders', authorizer: stubAuthorizer(DENIED) })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      code: 'forbidden',
      message: 'denied by policy',
      decision_id: DENIED.decisionId,
      reasons: DENIED.reasons,
    })
  })

  it('keeps the reasons to itself and uses the configured status when asked to', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(DENIED),
      exposeReasons: false,
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

  it('denies when the authorizer throws', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(() => {
        throw new Error('boom')
      }),
    })
    const res = await app.request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ reasons: [{ code: 'pdp_error' }] })
  })

  it('denies with the failure’s code when a client set to throwOnError throws', async () => {
    const authorizer = createClient({ url: await closedPortUrl(), retries: 0, throwOnError: true })
    const res = await appWith({ service: 'orders', authorizer }).request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({
      message: 'no policy decision could be made; denied',
      reasons: [{ code: 'pdp_unavailable' }],
    })
  })

  it('denies when the decision hook cannot record an audited decision', async () => {
    const app = appWith({
      service: 'orders',
      authorizer: stubAuthorizer(allowWith([{ type: 'audit' }])),
      onDecision: (authorization) => {
        if (authorization.audit) throw new Error('audit sink unavailable')
      },
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
    const res = await appWith({ service: 'orders', authorizer }).request('/orders/17')
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      code: 'forbidden',
      message: 'no policy decision could be made; denied',
      reasons: [{ code: 'pdp_timeout', message: 'slow' }],
    })
  })
})
