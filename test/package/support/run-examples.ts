// Runs in the temporary app that installed the packed package: starts the example services (copied next to this
// file with their SDK imports, and these imports pointing at the copies pointing at `clearance/sdk` and `clearance/sdk/local`) against a Clearance server
// the installed package's CLI serves, makes the calls a client would, and prints what came back as JSON lines.
// Usage: node --import tsx run-examples.ts <clearance-url> <bundle> <closed-url>
import * as grpc from '@grpc/grpc-js'
import { CustomersClient, startCustomersService } from '../../../examples/customers-service.js'
import { startExportService } from '../../../examples/export-service.js'
import { SPIFFE_IDS } from '../../../examples/mesh.js'
import { startOrdersService } from '../../../examples/orders-service.js'
import { startPaymentsService } from '../../../examples/payments-service.js'

const [clearanceUrl, bundle, closedUrl] = process.argv.slice(2) as [string, string, string]
const quiet = () => {}
const results: Record<string, { status: number | string; body: string }> = {}

async function http(
  name: string,
  url: string,
  caller: string,
  purpose: string,
  body?: unknown,
): Promise<void> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', 'x-spiffe-id': caller, 'x-clearance-purpose': purpose },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  results[name] = { status: res.status, body: await res.text() }
}

function rpc(name: string, address: string, caller: string, purpose: string): Promise<void> {
  const client = new CustomersClient(address, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  metadata.set('x-spiffe-id', caller)
  metadata.set('x-clearance-purpose', purpose)
  const get = client.Get as (
    request: unknown,
    metadata: grpc.Metadata,
    callback: (error: grpc.ServiceError | null, value: unknown) => void,
  ) => void
  return new Promise((resolve) => {
    get.call(client, { id: 'c1' }, metadata, (error, value) => {
      client.close()
      results[name] =
        error === null
          ? { status: 'OK', body: JSON.stringify(value) }
          : { status: error.code, body: error.details }
      resolve()
    })
  })
}

// The examples give Clearance 250 ms a decision; let a cold server on a busy machine warm up first.
const warmInput = JSON.stringify({ subject: { type: 'user', authenticated: false } })
for (let i = 0; i < 20; i++)
  await (await fetch(`${clearanceUrl}/v1/check`, { method: 'POST', body: warmInput })).text()

const order = { items: [{ sku: 'mug' }], card: { pan: '4111111111111111', expiry: '12/29' } }
const payments = await startPaymentsService({ bundle, audit: quiet })
const orders = await startOrdersService({ clearanceUrl, paymentsUrl: payments.url, audit: quiet })
const exports = await startExportService({ clearanceUrl, audit: quiet })
const customers = await startCustomersService({ clearanceUrl, audit: quiet })
const strandedOrders = await startOrdersService({
  clearanceUrl: closedUrl,
  paymentsUrl: payments.url,
  audit: quiet,
})
const strandedExport = await startExportService({ clearanceUrl: closedUrl, audit: quiet })
const strandedCustomers = await startCustomersService({ clearanceUrl: closedUrl, audit: quiet })
try {
  await http('hono allowed', `${orders.url}/orders`, SPIFFE_IDS.web, 'checkout', order)
  await http('hono denied', `${orders.url}/orders`, SPIFFE_IDS.analytics, 'checkout', order)
  await http('hono pdp down', `${strandedOrders.url}/orders/1`, SPIFFE_IDS.web, 'order_status')
  await http(
    'express allowed',
    `${payments.url}/payments.v1.Payments/Charge`,
    SPIFFE_IDS.orders,
    'checkout',
    order,
  )
  await http(
    'express denied',
    `${payments.url}/payments.v1.Payments/Charge`,
    SPIFFE_IDS.web,
    'checkout',
    order,
  )
  await http('fastify allowed', `${exports.url}/orders/export`, SPIFFE_IDS.analytics, 'sales_analytics')
  await http(
    'fastify allowed, streamed',
    `${exports.url}/orders/export/stream`,
    SPIFFE_IDS.analytics,
    'sales_analytics',
  )
  await http('fastify denied', `${exports.url}/orders/export`, SPIFFE_IDS.web, 'sales_analytics')
  await http(
    'fastify pdp down',
    `${strandedExport.url}/orders/export`,
    SPIFFE_IDS.analytics,
    'sales_analytics',
  )
  await rpc('grpc allowed', customers.url, SPIFFE_IDS.orders, 'shipping')
  await rpc('grpc denied', customers.url, SPIFFE_IDS.web, 'shipping')
  await rpc('grpc pdp down', strandedCustomers.url, SPIFFE_IDS.orders, 'shipping')
} finally {
  for (const service of [
    orders,
    payments,
    exports,
    customers,
    strandedOrders,
    strandedExport,
    strandedCustomers,
  ])
    await service.close()
}
process.stdout.write(`${JSON.stringify(results)}\n`)
process.exit(0)
