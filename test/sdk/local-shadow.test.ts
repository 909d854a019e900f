// The SDK's local evaluator with a shadow bundle: answers stay the enforced bundle's, divergences are reported.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { createLocalEvaluator, type LocalEvaluator, type ShadowDivergence } from '../../sdk/local/index.js'
import { copyPolicies, editCatalog } from '../engine/rollout/support.js'
import { tempDir } from '../helpers/fixtures.js'

const CHARGE = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders', authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.20' },
  target: { service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } },
  purpose: 'checkout',
  time: '2025-06-01T12:00:00Z',
}
const PRODUCTS = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/web', authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
  target: { service: 'catalog', operation: { method: 'GET', path: '/products' } },
  time: '2025-06-01T12:00:00Z',
}

describe('local evaluator with shadowBundles', () => {
  let evaluator: LocalEvaluator
  const divergences: ShadowDivergence[] = []

  beforeAll(async () => {
    const dir = join(await tempDir(), 'sdk-shadow')
    await mkdir(dir, { recursive: true })
    const enforced = await copyPolicies(join(dir, 'enforced'))
    const shadow = await copyPolicies(join(dir, 'shadow'))
    await editCatalog(shadow, (catalog) => {
      const payments = catalog.grants!.payments as Record<string, Record<string, unknown>>
      delete payments['payments.v1.Payments/Charge']!.orders
    })
    await buildBundle({ source: enforced, output: join(dir, 'enforced.tar.gz'), revision: 'enforced' })
    await buildBundle({ source: shadow, output: join(dir, 'shadow.tar.gz'), revision: 'shadow' })
    evaluator = await createLocalEvaluator({
      bundles: [`clearance=${join(dir, 'enforced.tar.gz')}`],
      shadowBundles: [`clearance=${join(dir, 'shadow.tar.gz')}`],
      onShadowDivergence: (divergence) => divergences.push(divergence),
    })
  }, 60_000)

  afterAll(async () => {
    await evaluator.close()
  })

  it('answers with the enforced bundle and reports what the shadow would deny', async () => {
    const charge = await evaluator.check(CHARGE)
    const products = await evaluator.check(PRODUCTS)
    const data = await evaluator.evaluate('clearance/authz/allow', CHARGE)
    expect(charge.allow).toBe(true)
    expect(products.allow).toBe(true)
    expect(data.result).toBe(true)
    // the shadow decides after the answers were returned
    const shadowed = (): number =>
      Object.values(evaluator.shadowStatus()!.decisions).reduce((a, b) => a + b, 0)
    for (let waited = 0; shadowed() < 3 && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(evaluator.shadowStatus()).toMatchObject({
      revisions: { clearance: 'shadow' },
      decisions: { unchanged: 1, newly_denied: 2, newly_allowed: 0, changed: 0, error: 0 },
    })
    expect(divergences.map((d) => [d.decisionId, d.change])).toEqual([
      [charge.decisionId, 'newly_denied'],
      [data.decisionId, 'newly_denied'],
    ])
    expect(divergences[1]!.shadowResult).toBe(false)
  })
})
