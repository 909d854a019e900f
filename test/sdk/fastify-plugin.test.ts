// The fastify plugin on a real fastify app (app.inject and a real socket): decided in onRequest with fastify's
// route template, denials answered before the handler, obligations on request.clearance, and every JSON response
// form masked (reply.send of an object, of JSON text, a stream, a hijacked reply writing to the Node response).
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { clearanceFastify, fastifyClearanceOf, type GuardOptions } from '../../sdk/index.js'
import { allowWith, DENIED, stubAuthorizer } from './support/stub-authorizer.js'

const ROWS = [
  { id: 1, email: 'carol@example.net', name: 'Carol', phone: '+1 555 0100', address: '1 Main St' },
]
const MASKED = [{ id: 1, email: '***', name: '***', phone: '***', address: '***' }]
const MASKING = allowWith([{ type: 'mask_fields', fields: ['email', 'name', 'phone', 'address'] }])

describe('fastify plugin', () => {
  let app: FastifyInstance | undefined

  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  async function build(options: Omit<GuardOptions, 'service'>): Promise<FastifyInstance> {
    app = Fastify()
    await app.register(clearanceFastify({ service: 'orders', log: false, ...options }))
    app.get('/orders/:id', async (request) => ({ id: 1, audit: fastifyClearanceOf(request)?.audit }))
    app.get('/rows/object', async () => ROWS)
    app.get('/rows/text', (_request, reply) => {
      reply.type('application/json').send(JSON.stringify(ROWS))
    })
    app.get('/rows/stream', (_request, reply) => {
      const text = JSON.stringify(ROWS)
      reply.type('application/json').send(Readable.from([text.slice(0, 9), text.slice(9)]))
    })
    app.get('/rows/hijacked', (_request, reply) => {
      reply.hijack()
      reply.raw.writeHead(200, { 'content-type': 'application/json' })
      reply.raw.end(JSON.stringify(ROWS))
    })
    return app
  }

  it('asks with fastify’s route template and puts the obligations on the request', async () => {
    const authorizer = stubAuthorizer(allowWith([{ type: 'audit' }]))
    const res = await (await build({ authorizer, identity: { header: 'x-spiffe-id' } })).inject({
      url: '/orders/17',
      headers: { 'x-spiffe-id': 'spiffe://shop.example/ns/prod/sa/web' },
    })
    expect(res.json()).toEqual({ id: 1, audit: true })
    expect(authorizer.inputs[0]).toMatchObject({
      subject: { spiffe_id: 'spiffe://shop.example/ns/prod/sa/web' },
      target: { service: 'orders', operation: { method: 'GET', path: '/orders/{id}' } },
    })
  })

  it('answers a deny with 403 before the handler runs', async () => {
    const res = await (await build({ authorizer: stubAuthorizer(DENIED) })).inject({ url: '/orders/17' })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({
      code: 'forbidden',
      message: 'denied by policy',
      decision_id: DENIED.decisionId,
    })
  })

  it('answers 503 with Retry-After when no decision could be made', async () => {
    const failed = {
      ...DENIED,
      decisionId: undefined,
      error: { code: 'pdp_timeout' as const, message: 'slow' },
    }
    const res = await (await build({ authorizer: stubAuthorizer(failed) })).inject({ url: '/orders/17' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
  })

  for (const form of ['object', 'text', 'stream', 'hijacked']) {
    it(`masks the fields the policy names: ${form}`, async () => {
      const server = await build({ authorizer: stubAuthorizer(MASKING) })
      const url = await server.listen({ host: '127.0.0.1', port: 0 })
      const res = await fetch(`${url}/rows/${form}`)
      const text = await res.text()
      expect(res.status).toBe(200)
      for (const secret of ['carol@example.net', 'Carol', '555 0100', 'Main St'])
        expect(text).not.toContain(secret)
      expect(JSON.parse(text)).toEqual(MASKED)
    })
  }
})
