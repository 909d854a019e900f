// The two example services calling each other through the middleware on 127.0.0.1 ephemeral ports: orders (hono,
// HTTP client to a Clearance server) and payments (Express, in-process evaluator), started as the README starts
// them and in-process.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../engine/main.js'
import { type AuditRecord, type RunningService, SPIFFE_IDS } from '../../examples/mesh.js'
import { startOrdersService } from '../../examples/orders-service.js'
import { startPaymentsService } from '../../examples/payments-service.js'
import { closedPortUrl } from '../sdk/support/fake-pdp.js'
import { buildPolicyBundle, servePolicyBundle } from '../sdk/support/policy-bundle.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CARD = { pan: '4111111111111111', expiry: '12/29' }
const ORDER = {
  items: [{ sku: 'mug', qty: 1 }],
  card: CARD,
  customer: { email: 'carol@example.net', phone: '+1 555 0100' },
  shipping: { address: '1 Main St' },
}

function as(caller: string, purpose?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-spiffe-id': caller,
    ...(purpose === undefined ? {} : { 'x-clearance-purpose': purpose }),
  }
}

describe('example services', () => {
  let bundle: string
  let pdp: RunningServer

  beforeAll(async () => {
    bundle = await buildPolicyBundle('examples-1')
    pdp = await servePolicyBundle(bundle)
  })

  afterAll(async () => {
    await pdp?.close()
  })

  describe('started in-process', () => {
    let payments: RunningService
    let orders: RunningService
    const audits: AuditRecord[] = []

    beforeAll(async () => {
      payments = await startPaymentsService({ bundle, audit: (record) => audits.push(record) })
      orders = await startOrdersService({
        clearanceUrl: pdp.url,
        paymentsUrl: payments.url,
        audit: (record) => audits.push(record),
      })
    })

    afterAll(async () => {
      await orders?.close()
      await payments?.close()
    })

    it('lets web place an order, which orders pays through payments with the card masked', async () => {
      const res = await fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: as(SPIFFE_IDS.web, 'checkout'),
        body: JSON.stringify(ORDER),
      })
      expect(res.status).toBe(201)
      const order = (await res.json()) as { id: string; payment: unknown }
      expect(order.payment).toMatchObject({
        status: 'charged',
        audited: true,
        card: { pan: '***', expiry: '***', brand: 'visa' },
      })
      // Web → orders is confidential (audited); orders → payments is restricted (audited).
      expect(audits.map((record) => [record.service, record.allow])).toEqual([
        ['orders', true],
        ['payments', true],
      ])
      expect(audits[1]?.caller).toMatchObject({ spiffe_id: SPIFFE_IDS.orders })

      const read = await fetch(`${orders.url}/orders/${order.id}`, {
        headers: as(SPIFFE_IDS.web, 'order_status'),
      })
      expect(read.status).toBe(200)
      expect(await read.json()).toMatchObject({ id: order.id, customer: { email: 'carol@example.net' } })
    })

    it('refuses an order from a caller without a grant, keeping the policy’s reasons to itself', async () => {
      const res = await fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: as(SPIFFE_IDS.analytics, 'checkout'),
        body: JSON.stringify(ORDER),
      })
      expect(res.status).toBe(403)
      const body = (await res.json()) as Record<string, unknown>
      expect(body).toMatchObject({ code: 'forbidden', message: 'denied by policy' })
      expect(body.reasons).toBeUndefined()
    })

    it('refuses a charge from web, which only orders may make', async () => {
      const res = await fetch(`${payments.url}/payments.v1.Payments/Charge`, {
        method: 'POST',
        headers: as(SPIFFE_IDS.web, 'checkout'),
        body: JSON.stringify({ amount: 1, card: CARD }),
      })
      expect(res.status).toBe(403)
    })

    it('fails closed with 503 when Clearance cannot be reached', async () => {
      const stranded = await startOrdersService({
        clearanceUrl: await closedPortUrl(),
        paymentsUrl: payments.url,
      })
      try {
        const res = await fetch(`${stranded.url}/orders/anything`, {
          headers: as(SPIFFE_IDS.web, 'order_status'),
        })
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).not.toBeNull()
        expect(await res.json()).toEqual({
          code: 'unavailable',
          message: 'no policy decision could be made; try again later',
        })
      } finally {
        await stranded.close()
      }
    })
  })

  describe('started with the README’s commands', () => {
    const children: ChildProcess[] = []

    /** `npx tsx <file>` (without npx's start-up) with `env`; resolves with the URL it reports on stderr. */
    function run(file: string, env: Record<string, string>): Promise<string> {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, file)], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      children.push(child)
      return new Promise((resolve, reject) => {
        let err = ''
        child.stderr!.on('data', (chunk: Buffer) => {
          err += chunk.toString()
          const match = /listening on (http:\/\/[^\s]+)/.exec(err)
          if (match) resolve(match[1]!)
        })
        child.stdout!.resume()
        child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${err}`)))
      })
    }

    afterAll(() => {
      for (const child of children) {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
      }
    })

    it('serves an order end to end', async () => {
      const paymentsUrl = await run('examples/payments-service.ts', { CLEARANCE_BUNDLE: bundle })
      const ordersUrl = await run('examples/orders-service.ts', {
        CLEARANCE_URL: pdp.url,
        PAYMENTS_URL: paymentsUrl,
      })
      const res = await fetch(`${ordersUrl}/orders`, {
        method: 'POST',
        headers: as(SPIFFE_IDS.web, 'checkout'),
        body: JSON.stringify(ORDER),
      })
      expect(res.status).toBe(201)
      expect(await res.json()).toMatchObject({ payment: { status: 'charged', card: { pan: '***' } } })
    }, 60_000)
  })
})
