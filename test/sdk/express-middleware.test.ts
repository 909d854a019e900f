// The Express middleware over a real socket on 127.0.0.1: route templates from the route it is mounted on (or
// matched from `routes` when mounted with app.use), denials answered, obligations in res.locals, masked JSON.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { clearanceExpress, clearanceOf, type GuardOptions } from '../../sdk/index.js'
import { allowWith, DENIED, type StubAuthorizer, stubAuthorizer } from './support/stub-authorizer.js'

const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'

describe('express middleware', () => {
  let server: Server | undefined

  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
    server = undefined
  })

  async function start(app: express.Express): Promise<string> {
    server = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server!.once('listening', resolve))
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`
  }

  function operations(authorizer: StubAuthorizer): unknown[] {
    return authorizer.inputs.map((input) => (input as { target: { operation: unknown } }).target.operation)
  }

  const options = (authorizer: StubAuthorizer, extra: Partial<GuardOptions> = {}): GuardOptions => ({
    service: 'orders',
    authorizer,
    identity: { header: 'x-spiffe-id' },
    ...extra,
  })

  it('takes the template of the route it is mounted on, routers included', async () => {
    const authorizer = stubAuthorizer(allowWith([{ type: 'audit' }]))
    const app = express()
    const guard = clearanceExpress(options(authorizer))
    app.get('/orders/:id', guard, (_req, res) => {
      res.json({ audit: clearanceOf(res)?.audit })
    })
    const router = express.Router()
    router.post('/:id/refund', guard, (_req, res) => {
      res.json({ refunded: true })
    })
    app.use('/orders', router)
    const url = await start(app)
    const res = await fetch(`${url}/orders/17`, { headers: { 'x-spiffe-id': ORDERS } })
    expect(await res.json()).toEqual({ audit: true })
    await fetch(`${url}/orders/17/refund`, { method: 'POST', headers: { 'x-spiffe-id': ORDERS } })
    expect(operations(authorizer)).toEqual([
      { method: 'GET', path: '/orders/{id}' },
      { method: 'POST', path: '/orders/{id}/refund' },
    ])
    expect(authorizer.inputs[0]).toMatchObject({
      subject: { spiffe_id: ORDERS, authenticated: true },
      connection: { source_ip: '127.0.0.1' },
    })
  })

  it('matches raw paths against the configured routes when mounted with app.use', async () => {
    const authorizer = stubAuthorizer(allowWith())
    const app = express()
    app.use(clearanceExpress(options(authorizer, { routes: ['/orders/{id}', '/orders/export'] })))
    app.get('/orders/:id', (_req, res) => {
      res.json({})
    })
    const url = await start(app)
    await fetch(`${url}/orders/export`)
    await fetch(`${url}/orders/17`)
    await fetch(`${url}/unlisted/path`)
    expect(operations(authorizer)).toEqual([
      { method: 'GET', path: '/orders/export' },
      { method: 'GET', path: '/orders/{id}' },
      { method: 'GET', path: '/unlisted/path' },
    ])
  })

  it('answers a deny with 403 and the reasons, without running the handler', async () => {
    const app = express()
    let ran = false
    app.use(clearanceExpress(options(stubAuthorizer(DENIED))))
    app.get('/orders/:id', (_req, res) => {
      ran = true
      res.json({})
    })
    const res = await fetch(`${await start(app)}/orders/17`)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      code: 'forbidden',
      message: 'denied by policy',
      decision_id: DENIED.decisionId,
      reasons: DENIED.reasons,
    })
    expect(ran).toBe(false)
  })

  it('masks the fields the policy names in res.json and res.send of an object', async () => {
    const authorizer = stubAuthorizer(allowWith([{ type: 'mask_fields', fields: ['card.pan'] }]))
    const app = express()
    app.use(clearanceExpress(options(authorizer)))
    app.get('/json', (_req, res) => {
      res.json({ card: { pan: '4111', brand: 'visa' } })
    })
    app.get('/send', (_req, res) => {
      res.send({ card: { pan: '4111', brand: 'visa' } })
    })
    const url = await start(app)
    expect(await (await fetch(`${url}/json`)).json()).toEqual({ card: { pan: '***', brand: 'visa' } })
    expect(await (await fetch(`${url}/send`)).json()).toEqual({ card: { pan: '***', brand: 'visa' } })
  })
})
