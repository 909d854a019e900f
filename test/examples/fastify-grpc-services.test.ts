// The fastify (export) and gRPC (customers) example services against a real Clearance server on 127.0.0.1:
// allowed with the policy's fields masked in every response form, denied, and fail-closed when Clearance is gone.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../engine/main.js'
import { CustomersClient, startCustomersService } from '../../examples/customers-service.js'
import { startExportService } from '../../examples/export-service.js'
import { type RunningService, SPIFFE_IDS } from '../../examples/mesh.js'
import { closedPortUrl } from '../sdk/support/fake-pdp.js'
import { buildPolicyBundle, POLICIES, servePolicyBundle } from '../sdk/support/policy-bundle.js'

type UnaryCall = (
  request: unknown,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, value: never) => void,
) => void

const SECRETS = ['carol@example.net', 'Carol', '555 0100', '1 Main St']

function as(caller: string, purpose: string): Record<string, string> {
  return { 'x-spiffe-id': caller, 'x-clearance-purpose': purpose }
}

function getCustomer(
  url: string,
  caller: string,
  purpose: string,
): Promise<{ error: grpc.ServiceError | null; value: Record<string, unknown> | undefined }> {
  const client = new CustomersClient(url, grpc.credentials.createInsecure())
  const metadata = new grpc.Metadata()
  metadata.set('x-spiffe-id', caller)
  metadata.set('x-clearance-purpose', purpose)
  return new Promise((resolve) => {
    ;(client.Get as UnaryCall).call(
      client,
      { id: 'c1' },
      metadata,
      (error: grpc.ServiceError | null, value: Record<string, unknown>) => {
        client.close()
        resolve({ error, value })
      },
    )
  })
}

describe('fastify and gRPC example services', () => {
  let pdp: RunningServer
  let exports: RunningService
  let customers: RunningService
  const audits: unknown[] = []

  beforeAll(async () => {
    pdp = await servePolicyBundle(await buildPolicyBundle('examples-2'))
    // The examples give Clearance 250 ms a decision; let a cold server on a busy machine warm up first.
    const input = await readFile(join(POLICIES, 'examples', 'allow-orders-to-payments.json'), 'utf8')
    for (let i = 0; i < 20; i++)
      await (await fetch(`${pdp.url}/v1/check`, { method: 'POST', body: input })).text()
    exports = await startExportService({ clearanceUrl: pdp.url, audit: (record) => audits.push(record) })
    customers = await startCustomersService({ clearanceUrl: pdp.url, audit: (record) => audits.push(record) })
  })

  afterAll(async () => {
    await exports?.close()
    await customers?.close()
    await pdp?.close()
  })

  describe('fastify: the orders export', () => {
    for (const route of ['/orders/export', '/orders/export/stream']) {
      it(`lets analytics export with the customer fields masked: ${route}`, async () => {
        const res = await fetch(`${exports.url}${route}`, {
          headers: as(SPIFFE_IDS.analytics, 'sales_analytics'),
        })
        expect(res.status).toBe(200)
        const text = await res.text()
        for (const secret of SECRETS) expect(text).not.toContain(secret)
        expect(JSON.parse(text)[0]).toEqual({
          id: 'o-1',
          total: 42,
          customer: { name: '***', email: '***', phone: '***' },
          shipping: { address: '***' },
        })
      })
    }

    it('refuses web, which holds no grant for the export, with 403 and no reasons', async () => {
      const res = await fetch(`${exports.url}/orders/export`, {
        headers: as(SPIFFE_IDS.web, 'sales_analytics'),
      })
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ code: 'forbidden', message: 'denied by policy' })
    })

    it('answers 503 with Retry-After when Clearance cannot be reached', async () => {
      const stranded = await startExportService({ clearanceUrl: await closedPortUrl() })
      try {
        const res = await fetch(`${stranded.url}/orders/export`, {
          headers: as(SPIFFE_IDS.analytics, 'sales_analytics'),
        })
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).not.toBeNull()
      } finally {
        await stranded.close()
      }
    })
  })

  describe('gRPC: customers.v1.Customers/Get', () => {
    it('lets orders read a customer for shipping, audited (the handler sees the obligations)', async () => {
      const { error, value } = await getCustomer(customers.url, SPIFFE_IDS.orders, 'shipping')
      expect(error).toBeNull()
      expect(value).toMatchObject({ id: 'c1', email: 'carol@example.net', tier: 'gold', audited: true })
    })

    it('refuses analytics, whose grant was not made by the owning team', async () => {
      const { error } = await getCustomer(customers.url, SPIFFE_IDS.analytics, 'segmentation')
      expect(error?.code).toBe(grpc.status.PERMISSION_DENIED)
      expect(error?.metadata.get('x-clearance-decision-id')[0]).toMatch(/^[0-9a-f-]{36}$/)
    })

    it('refuses web with PERMISSION_DENIED before the handler runs', async () => {
      const { error } = await getCustomer(customers.url, SPIFFE_IDS.web, 'shipping')
      expect(error?.code).toBe(grpc.status.PERMISSION_DENIED)
    })

    it('answers UNAVAILABLE when Clearance cannot be reached', async () => {
      const stranded = await startCustomersService({ clearanceUrl: await closedPortUrl() })
      try {
        const { error } = await getCustomer(stranded.url, SPIFFE_IDS.orders, 'shipping')
        expect(error?.code).toBe(grpc.status.UNAVAILABLE)
      } finally {
        await stranded.close()
      }
    })
  })
})
