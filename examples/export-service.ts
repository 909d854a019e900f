// Example: the orders service's bulk export, on fastify, asking Clearance over HTTP through the SDK's plugin.
// GET /orders/export answers every order with its customer's contact details; the policy lets analytics read it for
// sales analytics with the customer's email, name, phone and shipping address masked, and the plugin masks them
// however the route answers: reply.send of the rows, or the same rows streamed (GET /orders/export/stream).
//
//   npx tsx examples/export-service.ts   (PORT, default 8304; CLEARANCE_URL, default http://127.0.0.1:8181)
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { clearanceFastify, createClient } from '../sdk/index.js'
import { type AuditSink, auditRecord, IDENTITY_HEADER, type RunningService } from './mesh.js'

export interface ExportServiceOptions {
  /** Clearance's URL. */
  clearanceUrl: string
  port?: number | undefined
  host?: string | undefined
  audit?: AuditSink | undefined
}

const ORDERS = [
  {
    id: 'o-1',
    total: 42,
    customer: { name: 'Carol', email: 'carol@example.net', phone: '+1 555 0100' },
    shipping: { address: '1 Main St' },
  },
  {
    id: 'o-2',
    total: 17,
    customer: { name: 'Dan', email: 'dan@example.net', phone: '+1 555 0199' },
    shipping: { address: '2 High St' },
  },
]

export async function startExportService(options: ExportServiceOptions): Promise<RunningService> {
  const clearance = createClient({ url: options.clearanceUrl, timeoutMs: 250, retries: 1 })
  const audit = options.audit ?? ((record) => console.log(JSON.stringify(record)))
  const app = Fastify()
  await app.register(
    clearanceFastify({
      service: 'orders',
      authorizer: clearance,
      // The mesh sidecar verified the caller's certificate and passes its SPIFFE ID on. See examples/README.md.
      identity: { header: IDENTITY_HEADER },
      // The stream route is the same export: decide it as GET /orders/export.
      operation: (facts) => ({ method: facts.method, path: '/orders/export' }),
      onDecision: (authorization) => {
        if (authorization.audit) audit(auditRecord('orders', authorization))
      },
    }),
  )
  app.get('/orders/export', async () => ORDERS)
  app.get('/orders/export/stream', (_request, reply) => {
    const text = JSON.stringify(ORDERS)
    reply.type('application/json').send(Readable.from([text.slice(0, 40), text.slice(40)]))
  })
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
  return { url: address, close: () => app.close() }
}

async function main(): Promise<void> {
  const service = await startExportService({
    clearanceUrl: process.env.CLEARANCE_URL ?? 'http://127.0.0.1:8181',
    port: Number(process.env.PORT ?? 8304),
  })
  console.error(`export service listening on ${service.url}`)
  const stop = () => void service.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
