// clearance diff on two policy folders built by the real opa: a copy of policies/ changed in known ways.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { BundleDiff } from '../../../engine/rollout/bundle-diff.js'
import { runClearance } from '../../helpers/clearance-cli.js'
import { tempDir } from '../../helpers/fixtures.js'
import { copyPolicies, editCatalog } from './support.js'

// biome-ignore lint/suspicious/noExplicitAny: the test edits the catalog JSON freely
type Json = Record<string, any>

describe('clearance diff', () => {
  let base: string
  let changed: string

  beforeAll(async () => {
    const dir = join(await tempDir(), 'diff')
    await mkdir(dir, { recursive: true })
    base = await copyPolicies(join(dir, 'base'))
    changed = await copyPolicies(join(dir, 'changed'))
    await editCatalog(changed, (catalog: Json) => {
      delete catalog.grants.payments['payments.v1.Payments/Charge'].orders
      catalog.grants.orders['POST /orders'].web.purpose = 'checkout_v2'
      catalog.grants.catalog = {
        ...(catalog.grants.catalog ?? {}),
        'GET /products': { analytics: { purpose: 'stats', granted_by: 'catalog', ticket: 'SEC-900' } },
      }
      catalog.services.orders.operations['GET /metrics'].classification = 'confidential'
      catalog.services.orders.operations['GET /logs'].classification = 'public'
      catalog.revoked['spiffe://shop.example/ns/prod/sa/search'] = {
        revoked_at: '2025-06-01T00:00:00Z',
        reason: 'rotated',
        ticket: 'INC-1',
      }
      delete catalog.denies.payments.analytics
      catalog.boundaries.internal.restricted.requires =
        catalog.boundaries.internal.restricted.requires.filter((c: string) => c !== 'explicit_grant')
      catalog.identities['spiffe://shop.example/ns/prod/sa/orders-v2'] = 'orders'
    })
    const rego = join(changed, 'clearance', 'authz', 'services.rego')
    await writeFile(rego, `${await readFile(rego, 'utf8')}\nextra_rule_for_diff := true\n`)
  }, 60_000)

  it('lists the changes in security terms as JSON', async () => {
    const { code, stdout } = await runClearance(['diff', base, changed, '--format', 'json'])
    expect(code).toBe(0)
    const diff = JSON.parse(stdout) as BundleDiff
    expect(diff.grants.removed).toEqual([
      expect.objectContaining({
        callee: 'payments',
        operation: 'payments.v1.Payments/Charge',
        caller: 'orders',
        purpose: 'checkout',
      }),
    ])
    expect(diff.grants.added).toEqual([
      expect.objectContaining({ callee: 'catalog', operation: 'GET /products', caller: 'analytics' }),
    ])
    expect(diff.grants.changed).toEqual([
      expect.objectContaining({
        callee: 'orders',
        caller: 'web',
        changes: ['purpose: "checkout" → "checkout_v2"'],
      }),
    ])
    expect(diff.classifications.raised).toEqual([
      { service: 'orders', operation: 'GET /metrics', from: 'internal', to: 'confidential' },
    ])
    expect(diff.classifications.lowered).toEqual([
      { service: 'orders', operation: 'GET /logs', from: 'internal', to: 'public' },
    ])
    expect(diff.revocations.added).toEqual([
      { identity: 'spiffe://shop.example/ns/prod/sa/search', reason: 'rotated' },
    ])
    expect(diff.denies.removed).toEqual([
      expect.objectContaining({ callee: 'payments', caller: 'analytics' }),
    ])
    expect(diff.zone_crossings.changed).toEqual([
      expect.objectContaining({
        from: 'internal',
        to: 'restricted',
        changes: ['controls removed: explicit_grant'],
      }),
    ])
    expect(diff.identities.added).toEqual([
      { identity: 'spiffe://shop.example/ns/prod/sa/orders-v2', service: 'orders' },
    ])
    expect(diff.modules.changed).toEqual([expect.objectContaining({ path: 'clearance.authz/services.rego' })])
    expect(diff.modules.added).toEqual([])
    expect(diff.identical).toBe(false)
  }, 60_000)

  it('finds nothing between two builds of the same policies', async () => {
    const { code, stdout } = await runClearance(['diff', base, base])
    expect(code).toBe(0)
    expect(stdout).toContain('no policy changes')
  }, 60_000)

  it('writes a Markdown section per kind of change', async () => {
    const { stdout } = await runClearance(['diff', base, changed, '--format', 'markdown'])
    expect(stdout).toContain('#### Grants')
    expect(stdout).toContain('- `-` orders → payments payments.v1.Payments/Charge for purpose checkout')
    expect(stdout).toContain('#### Rego modules')
  }, 60_000)
})
