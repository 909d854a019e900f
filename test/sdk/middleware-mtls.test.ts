// Both middlewares behind real mutual TLS on 127.0.0.1, deciding with the policy library: the caller is the SPIFFE
// ID of the client certificate it presented, verified against the trust bundle. Express decides in-process, hono
// through the HTTP client and a Clearance server.
import { createServer as createHttpsServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../engine/main.js'
import {
  type ClearanceVariables,
  clearanceExpress,
  clearanceHono,
  clearanceOf,
  createClient,
  type DecisionInput,
} from '../../sdk/index.js'
import { createLocalEvaluator, type LocalEvaluator } from '../../sdk/local/index.js'
import {
  type Authority,
  type Credential,
  createAuthority,
  issueLoopbackServer,
  issueSvid,
} from '../helpers/pki.js'
import { httpsJson } from './support/https-request.js'
import { buildPolicyBundle, servePolicyBundle } from './support/policy-bundle.js'

const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'
const WEB = 'spiffe://shop.example/ns/prod/sa/web'
const ANALYTICS = 'spiffe://shop.example/ns/prod/sa/analytics'

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function shut(server: {
  close(cb: () => void): unknown
  closeAllConnections?: () => void
}): Promise<void> {
  server.closeAllConnections?.()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

describe('middleware behind mutual TLS', () => {
  let ca: Authority
  let serverCert: Credential
  /** A client certificate for ORDERS from a CA the servers do not trust. */
  let rogue: Credential
  let orders: Credential
  let web: Credential
  let analytics: Credential
  let bundle: string
  let local: LocalEvaluator
  let pdp: RunningServer
  const seen: DecisionInput[] = []

  beforeAll(async () => {
    ca = await createAuthority('trust-bundle')
    ;[serverCert, orders, web, analytics, rogue] = await Promise.all([
      issueLoopbackServer(ca),
      issueSvid(ca, ORDERS),
      issueSvid(ca, WEB),
      issueSvid(ca, ANALYTICS),
      createAuthority('rogue-ca').then((rogueCa) => issueSvid(rogueCa, ORDERS)),
    ])
    bundle = await buildPolicyBundle('mtls-1')
    local = await createLocalEvaluator({ bundles: [`clearance=${bundle}`] })
    pdp = await servePolicyBundle(bundle)
  })

  afterAll(async () => {
    await local?.close()
    await pdp?.close()
  })

  const tlsOptions = () => ({
    key: serverCert.key,
    cert: serverCert.cert,
    ca: ca.cert,
    requestCert: true,
    // Unverified certificates reach the middleware, which reports them as unauthenticated; the policy denies.
    rejectUnauthorized: false,
  })

  describe('express, in-process', () => {
    let server: Server
    let url: string

    beforeAll(async () => {
      const app = express()
      app.use(
        clearanceExpress({
          service: 'payments',
          authorizer: local,
          operation: 'grpc',
          // These tests read why a caller was refused.
          exposeReasons: true,
          log: false,
          onDecision: (authorization) => {
            seen.push(authorization.input)
          },
        }),
      )
      app.post('/payments.v1.Payments/Charge', (_req, res) => {
        res.json({
          status: 'charged',
          audited: clearanceOf(res)?.audit,
          card: { pan: '4111111111111111', expiry: '12/29', brand: 'visa' },
        })
      })
      server = createHttpsServer(tlsOptions(), app)
      url = await listen(server)
    })

    afterAll(async () => {
      await shut(server)
    })

    const charge = (client: Credential | undefined, purpose?: string) =>
      httpsJson(`${url}/payments.v1.Payments/Charge`, {
        ca: ca.cert,
        client,
        method: 'POST',
        headers: purpose === undefined ? {} : { 'x-clearance-purpose': purpose },
      })

    it('lets orders charge for checkout, audited, with the card masked', async () => {
      const answer = await charge(orders, 'checkout')
      expect(answer).toEqual({
        status: 200,
        body: { status: 'charged', audited: true, card: { pan: '***', expiry: '***', brand: 'visa' } },
      })
      expect(seen.at(-1)).toMatchObject({
        subject: { type: 'service', spiffe_id: ORDERS, authenticated: true },
        connection: { tls: true, mtls: true, via_gateway: false, source_ip: '127.0.0.1' },
        target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
      })
    })

    it('denies orders without the purpose its grant names', async () => {
      const answer = await charge(orders)
      expect(answer.status).toBe(403)
      expect(answer.body).toMatchObject({ code: 'forbidden', reasons: [{ code: expect.any(String) }] })
    })

    it('denies analytics, which is kept out of payments explicitly', async () => {
      const answer = await charge(analytics, 'checkout')
      expect(answer.status).toBe(403)
      const codes = (answer.body as { reasons: Array<{ code: string }> }).reasons.map((reason) => reason.code)
      expect(codes).toContain('explicitly_denied')
    })

    it('denies a certificate that does not chain to the trust bundle, as unauthenticated', async () => {
      const answer = await charge(rogue, 'checkout')
      expect(answer.status).toBe(403)
      expect(seen.at(-1)).toMatchObject({
        subject: { spiffe_id: ORDERS, authenticated: false },
        connection: { tls: true, mtls: false },
      })
    })

    it('denies a caller that presents no certificate', async () => {
      const answer = await charge(undefined, 'checkout')
      expect(answer.status).toBe(403)
      expect(seen.at(-1)).toMatchObject({ subject: { type: 'user', authenticated: false } })
    })
  })

  describe('hono, over the HTTP client', () => {
    let server: ReturnType<typeof serve>
    let url: string

    beforeAll(async () => {
      const app = new Hono<{ Variables: ClearanceVariables }>()
      app.use(
        '*',
        clearanceHono({ service: 'orders', authorizer: createClient({ url: pdp.url }), log: false }),
      )
      app.get('/orders/export', (c) =>
        c.json([
          { id: '17', customer: { email: 'carol@example.net', name: 'Carol', phone: '+1 555' }, total: 42 },
          { id: '18', customer: { email: 'dan@example.net', name: 'Dan' }, total: 7 },
        ]),
      )
      app.get('/orders/:id', (c) =>
        c.json({
          id: c.req.param('id'),
          customer: { email: 'carol@example.net', phone: '+1 555', name: 'Carol' },
          audited: c.get('clearance').audit,
        }),
      )
      server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const started = serve(
          {
            fetch: app.fetch,
            createServer: createHttpsServer,
            serverOptions: tlsOptions(),
            hostname: '127.0.0.1',
            port: 0,
          },
          () => resolve(started),
        )
      })
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
    })

    afterAll(async () => {
      await shut(server as unknown as Server)
    })

    it('lets web read an order for order_status', async () => {
      const answer = await httpsJson(`${url}/orders/17`, {
        ca: ca.cert,
        client: web,
        headers: { 'x-clearance-purpose': 'order_status' },
      })
      expect(answer).toMatchObject({
        status: 200,
        body: { id: '17', customer: { email: 'carol@example.net' } },
      })
    })

    it('lets analytics export orders, with the customers’ personal data masked', async () => {
      const answer = await httpsJson(`${url}/orders/export`, {
        ca: ca.cert,
        client: analytics,
        headers: { 'x-clearance-purpose': 'sales_analytics' },
      })
      expect(answer).toEqual({
        status: 200,
        body: [
          { id: '17', customer: { email: '***', name: '***', phone: '***' }, total: 42 },
          { id: '18', customer: { email: '***', name: '***' }, total: 7 },
        ],
      })
    })

    it('denies a caller without a certificate', async () => {
      const answer = await httpsJson(`${url}/orders/17`, { ca: ca.cert })
      expect(answer.status).toBe(403)
    })
  })
})
