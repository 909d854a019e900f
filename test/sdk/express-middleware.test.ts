// The Express middleware over a real socket on 127.0.0.1: route templates from the route it is mounted on (or
// matched from `routes` when mounted with app.use), denials answered, obligations in res.locals, masked JSON.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
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
    log: false,
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

  it('answers a deny with 403 (reasons only when exposed), without running the handler', async () => {
    const app = express()
    let ran = false
    app.use(clearanceExpress(options(stubAuthorizer(DENIED), { exposeReasons: true })))
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

  it('answers 503 with Retry-After and no internals when no decision could be made', async () => {
    const app = express()
    const failed = {
      ...DENIED,
      decisionId: undefined,
      reasons: [
        { code: 'pdp_unavailable', message: 'cannot reach the PDP at http://10.0.0.9:8181: ECONNREFUSED' },
      ],
      error: { code: 'pdp_unavailable' as const, message: 'cannot reach the PDP at http://10.0.0.9:8181' },
    }
    app.use(clearanceExpress(options(stubAuthorizer(failed))))
    app.get('/orders/:id', (_req, res) => {
      res.json({})
    })
    const res = await fetch(`${await start(app)}/orders/17`)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({
      code: 'unavailable',
      message: 'no policy decision could be made; try again later',
    })
    expect(text).not.toContain('10.0.0.9')
  })

  describe('masks every JSON response form', () => {
    const ROWS = [
      { id: 1, email: 'carol@example.net', name: 'Carol', phone: '+1 555 0100', address: '1 Main St' },
    ]
    const FIELDS = ['email', 'name', 'phone', 'address']
    const MASKED = [{ id: 1, email: '***', name: '***', phone: '***', address: '***' }]
    type Handler = (req: express.Request, res: express.Response) => void

    async function served(handler: Handler, path = '/rows'): Promise<Response> {
      const app = express()
      app.use(clearanceExpress(options(stubAuthorizer(allowWith([{ type: 'mask_fields', fields: FIELDS }])))))
      app.get('/rows', handler)
      return fetch(`${await start(app)}${path}`)
    }

    const forms: Array<[string, Handler, string?]> = [
      ['res.json', (_req, res) => void res.json(ROWS)],
      ['res.send of an object', (_req, res) => void res.send(ROWS)],
      ['res.type(json).send(text)', (_req, res) => void res.type('json').send(JSON.stringify(ROWS))],
      ['res.jsonp without a callback', (_req, res) => void res.jsonp(ROWS)],
      ['res.jsonp with a callback (JavaScript)', (_req, res) => void res.jsonp(ROWS), '/rows?callback=cb'],
      [
        'res.setHeader + res.end(text)',
        (_req, res) => {
          res.setHeader('content-type', 'application/json')
          res.end(JSON.stringify(ROWS))
        },
      ],
      [
        'res.writeHead with headers + write + end',
        (_req, res) => {
          const text = JSON.stringify(ROWS)
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          res.write(text.slice(0, 7))
          res.write(Buffer.from(text.slice(7, 20)))
          res.end(text.slice(20))
        },
      ],
      [
        'a piped stream',
        (_req, res) => {
          res.type('application/json')
          Readable.from([JSON.stringify(ROWS).slice(0, 12), JSON.stringify(ROWS).slice(12)]).pipe(res)
        },
      ],
    ]
    for (const [name, handler, path] of forms) {
      it(name, async () => {
        const res = await served(handler, path)
        expect(res.status).toBe(200)
        const text = await res.text()
        for (const secret of ['carol@example.net', 'Carol', '555 0100', 'Main St'])
          expect(text).not.toContain(secret)
        const json = text.startsWith('/**/')
          ? text.slice(text.indexOf('cb(') + 3, text.lastIndexOf(')'))
          : text
        expect(JSON.parse(json)).toEqual(MASKED)
      })
    }

    it('fails closed with a 500 when a JSON body cannot be parsed', async () => {
      const res = await served((_req, res) => {
        res.type('application/x-ndjson')
        res.end(`${JSON.stringify(ROWS[0])}\n${JSON.stringify(ROWS[0])}`)
      })
      expect(res.status).toBe(500)
      expect(await res.text()).not.toContain('carol')
    })

    it('leaves responses of other content types as they are', async () => {
      const res = await served((_req, res) => void res.type('text').send('carol@example.net'))
      expect(await res.text()).toBe('carol@example.net')
    })
  })
})
