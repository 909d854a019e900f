// Example: the payments service, deciding in-process. Express + Clearance's local evaluator over the policy bundle
// (hot-reloaded when the file changes): no network hop per request. Only orders, with a checkout grant, may
// charge; the card's number and expiry are masked in the answer because the policy says so, and every audited
// decision is written to the audit sink.
//
//   npx tsx examples/payments-service.ts          (PORT, default 8302; CLEARANCE_BUNDLE, default bundles/clearance.tar.gz)
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { type Authorization, clearanceExpress, clearanceOf } from '../sdk/index.js'
import { createLocalEvaluator } from '../sdk/local/index.js'
import { type AuditSink, auditRecord, IDENTITY_HEADER, type RunningService } from './mesh.js'

export interface PaymentsServiceOptions {
  /** The policy bundle (.tar.gz or folder). */
  bundle: string
  port?: number | undefined
  host?: string | undefined
  audit?: AuditSink | undefined
}

export async function startPaymentsService(options: PaymentsServiceOptions): Promise<RunningService> {
  const evaluator = await createLocalEvaluator({ bundles: [`clearance=${options.bundle}`], watch: true })
  const audit = options.audit ?? ((record) => console.log(JSON.stringify(record)))
  const app = express()
  app.use(express.json())
  app.use(
    clearanceExpress({
      service: 'payments',
      authorizer: evaluator,
      // gRPC-style routes: POST /payments.v1.Payments/Charge is the RPC payments.v1.Payments/Charge.
      operation: 'grpc',
      // The mesh sidecar verified the caller's certificate and passes its SPIFFE ID on. See examples/README.md.
      identity: { header: IDENTITY_HEADER },
      onDecision: (authorization: Authorization) => {
        if (authorization.audit) audit(auditRecord('payments', authorization))
      },
    }),
  )
  app.post('/payments.v1.Payments/Charge', (req, res) => {
    const { amount, card } = req.body as { amount?: number; card?: { pan?: string; expiry?: string } }
    res.json({
      charge_id: randomUUID(),
      status: 'charged',
      amount: amount ?? 0,
      audited: clearanceOf(res)?.audit ?? false,
      card: { pan: card?.pan ?? '', expiry: card?.expiry ?? '', brand: 'visa' },
    })
  })

  const server: Server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await evaluator.close()
    },
  }
}

async function main(): Promise<void> {
  const root = join(import.meta.dirname, '..')
  let bundle = process.env.CLEARANCE_BUNDLE ?? join(root, 'bundles', 'clearance.tar.gz')
  if (process.env.CLEARANCE_BUNDLE === undefined && !existsSync(bundle)) {
    console.error(`building ${bundle} from policies/ …`)
    const { buildBundle } = await import('../engine/build/build-bundle.js')
    bundle = (await buildBundle({ source: join(root, 'policies'), output: bundle })).output
  }
  const service = await startPaymentsService({ bundle, port: Number(process.env.PORT ?? 8302) })
  console.error(`payments service listening on ${service.url} (deciding in-process from ${bundle})`)
  const stop = () => void service.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
