// The declared map read out of the example catalog: zones in order, services with their highest classification,
// grants as edges (expired ones marked), explicit denies, revocations and people by role.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalogGraph } from '../../../engine/service-map/index.js'
import { POLICIES } from '../../helpers/policy-bundle.js'

const catalog = JSON.parse(readFileSync(join(POLICIES, 'clearance', 'catalog', 'data.json'), 'utf8')) as {
  services: Record<string, { zone: string }>
}
const graph = catalogGraph(catalog, '2026-06-01T00:00:00Z')

describe('catalogGraph', () => {
  it('lists the zones outside in and every catalog service in its zone', () => {
    expect(graph.zones.map((z) => z.name)).toEqual([
      'internet',
      'edge',
      'internal',
      'restricted',
      'management',
    ])
    for (const [name, service] of Object.entries(catalog.services)) {
      expect(graph.services.find((s) => s.id === name)?.zone).toBe(service.zone)
    }
  })

  it('colours a service by the highest classification it serves and collects its tags', () => {
    const payments = graph.services.find((s) => s.id === 'payments')!
    expect(payments.classification).toBe('restricted')
    expect(payments.tags).toContain('pci')
    expect(payments.team).toBe('payments')
    expect(graph.services.find((s) => s.id === 'catalog')?.classification).not.toBe('restricted')
  })

  it('makes each grant part of a directed edge with operation, purpose and the data it touches', () => {
    const edge = graph.edges.find((e) => e.id === 'orders>payments')!
    expect(edge.grants).toContainEqual(
      expect.objectContaining({
        operation: 'payments.v1.Payments/Charge',
        purpose: 'checkout',
        classification: 'restricted',
        expired: false,
      }),
    )
  })

  it('marks grants past their expiry as expired, against the given time', () => {
    const later = catalogGraph(catalog, '2027-01-01T00:00:00Z')
    const grant = later.edges.find((e) => e.id === 'reporting-job>orders')!.grants[0]!
    expect(grant.expired).toBe(true)
    expect(graph.edges.find((e) => e.id === 'reporting-job>orders')!.grants[0]!.expired).toBe(false)
  })

  it('marks explicit denies, revoked identities and people by role', () => {
    expect(graph.edges.find((e) => e.id === 'analytics>payments')?.deny?.ticket).toBe('SEC-88')
    expect(graph.services.find((s) => s.id === 'reporting-job')?.revoked[0]?.ticket).toBe('INC-2041')
    const operators = graph.services.find((s) => s.id === 'role:operator')!
    expect(operators.kind).toBe('people')
    expect(operators.members).toEqual(['alice@shop.example', 'bob@shop.example'])
    expect(operators.zone).toBe('management')
    expect(graph.services.find((s) => s.id === 'role:customer')?.zone).toBe('internet')
    expect(graph.boundaries).toContainEqual(
      expect.objectContaining({ from: 'edge', to: 'internal', requires: ['mtls', 'gateway'] }),
    )
  })

  it('reads a catalog that is missing parts as an empty map rather than failing', () => {
    expect(catalogGraph(undefined).services).toEqual([])
    expect(
      catalogGraph({ services: { a: { zone: 'dmz', operations: 'nonsense' } } }).zones.map((z) => z.name),
    ).toEqual(['dmz'])
  })
})
