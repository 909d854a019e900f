// Example: the orders service, asking Clearance over HTTP. Hono + Clearance's HTTP client (one kept-alive
// connection pool, a 250 ms budget per decision, fail closed). Web may place orders (purpose checkout) and read
// them (purpose order_status); placing an order charges the card through the payments service, which decides on
// its own whether orders may.
//
//   npx tsx examples/orders-service.ts    (PORT, default 8301; CLEARANCE_URL, default http://127.0.0.1:8181;
//                                          PAYMENTS_URL, default http://127.0.0.1:8302)
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type ClearanceVariables, clearanceHono, createClient } from '../sdk/index.js'
import { type AuditSink, auditRecord, IDENTITY_HEADER, type RunningService, SPIFFE_IDS } from './mesh.js'

export interface OrdersServiceOptions {
  /** Clearance's URL. */
  clearanceUrl: string
  /** The payments service's URL. */
  paymentsUrl: string
  port?: number | undefined
  host?: string | undefined
  audit?: AuditSink | undefined
}

interface Order {
  id: string
  items: unknown[]
  customer: { email: string; phone: string }
  shipping: { address: string }
  payment?: unknown
}

export async function startOrdersService(options: OrdersServiceOptions): Promise<RunningService> {
  const clearance = createClient({ url: options.clearanceUrl, timeoutMs: 250, retries: 1 })
  const audit = options.audit ?? ((record) => console.log(JSON.stringify(record)))
  const orders = new Map<string, Order>()
  const app = new Hono<{ Variables: ClearanceVariables }>()

  app.use(
    '*',
    clearanceHono({
      service: 'orders',
      authorizer: clearance,
      // The mesh sidecar verified the caller's certificate and passes its SPIFFE ID on. See examples/README.md.
      identity: { header: IDENTITY_HEADER },
      onDecision: (authorization) => {
        if (authorization.audit) audit(auditRecord('orders', authorization))
      },
    }),
  )

  app.post('/orders', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as {
      items?: unknown[]
      card?: { pan: string; expiry: string }
      customer?: { email: string; phone: string }
      shipping?: { address: string }
    }
    const charge = await fetch(`${options.paymentsUrl}/payments.v1.Payments/Charge`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDENTITY_HEADER]: SPIFFE_IDS.orders,
        'x-clearance-purpose': 'checkout',
      },
      body: JSON.stringify({ amount: 42, card: body.card }),
      signal: AbortSignal.timeout(2_000),
    }).catch((thrown: unknown) => thrown as Error)
    if (charge instanceof Error) return c.json({ code: 'payments_unavailable', message: charge.message }, 502)
    const payment = (await charge.json()) as unknown
    if (!charge.ok) return c.json({ code: 'payment_refused', payment }, 502)
    const order: Order = {
      id: randomUUID(),
      items: body.items ?? [],
      customer: body.customer ?? { email: '', phone: '' },
      shipping: body.shipping ?? { address: '' },
      payment,
    }
    orders.set(order.id, order)
    return c.json(order, 201)
  })

  app.get('/orders/:id', (c) => {
    const order = orders.get(c.req.param('id'))
    return order === undefined ? c.json({ code: 'not_found', message: 'no such order' }, 404) : c.json(order)
  })

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 0 },
      () => resolve(started),
    )
    started.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function main(): Promise<void> {
  const service = await startOrdersService({
    clearanceUrl: process.env.CLEARANCE_URL ?? 'http://127.0.0.1:8181',
    paymentsUrl: process.env.PAYMENTS_URL ?? 'http://127.0.0.1:8302',
    port: Number(process.env.PORT ?? 8301),
  })
  console.error(
    `orders service listening on ${service.url} (deciding through ${process.env.CLEARANCE_URL ?? 'http://127.0.0.1:8181'})`,
  )
  const stop = () => void service.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
