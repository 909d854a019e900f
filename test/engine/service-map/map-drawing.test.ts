// The drawings: the ELK layout keeps every node inside its zone's box, and the SVG, DOT and Mermaid outputs carry
// every service, grant and crossing as text.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  catalogGraph,
  layoutGraph,
  renderMapDot,
  renderMapMermaid,
  renderMapSvg,
} from '../../../engine/service-map/index.js'
import { POLICIES } from '../../helpers/policy-bundle.js'

const graph = catalogGraph(
  JSON.parse(readFileSync(join(POLICIES, 'clearance', 'catalog', 'data.json'), 'utf8')),
  '2026-01-01T00:00:00Z',
)

describe('service map drawings', () => {
  it('lays every node out inside its zone, zones apart', async () => {
    const layout = await layoutGraph(graph)
    for (const service of graph.services) {
      const node = layout.nodes[service.id]!
      const zone = layout.zones[service.zone]!
      expect(node.x).toBeGreaterThanOrEqual(zone.x)
      expect(node.y).toBeGreaterThanOrEqual(zone.y)
      expect(node.x + node.width).toBeLessThanOrEqual(zone.x + zone.width)
      expect(node.y + node.height).toBeLessThanOrEqual(zone.y + zone.height)
    }
    // the internet is left of the edge, the edge left of the mesh, the mesh left of the cardholder zone
    expect(layout.zones.internet!.x).toBeLessThan(layout.zones.edge!.x)
    expect(layout.zones.edge!.x).toBeLessThan(layout.zones.internal!.x)
    expect(layout.zones.internal!.x).toBeLessThan(layout.zones.restricted!.x)
  }, 30_000)

  it('draws an SVG with every service, grant and crossing as text, undeclared calls added in their own column', async () => {
    const svg = renderMapSvg(graph, await layoutGraph(graph), {
      observed: [
        {
          id: 'unknown:x>payments',
          from: 'unknown:x',
          to: 'payments',
          kind: 'undeclared',
          labels: { 'unknown:x': 'spiffe://x' },
        },
      ],
    })
    for (const service of graph.services) expect(svg).toContain(`data-node="${service.id}"`)
    expect(svg).toContain('data-edge="orders&#62;payments"')
    expect(svg).toContain('Charge · checkout')
    expect(svg).toContain('edge → internal: mtls, gateway')
    expect(svg).toContain('class="edge observed undeclared"')
    expect(svg).not.toContain('tabindex')
  }, 30_000)

  it("draws the page's far-out outline without edge labels or meta lines, every grant kept as an accessible name", async () => {
    const layout = await layoutGraph(graph)
    const full = renderMapSvg(graph, layout, { interactive: true })
    const outline = renderMapSvg(graph, layout, { interactive: true, detail: 'outline' })
    expect(full).toContain('class="label"')
    expect(full).toContain('class="meta"')
    expect(outline).not.toContain('class="label"')
    expect(outline).not.toContain('class="meta"')
    for (const edge of graph.edges) {
      expect(outline).toContain(`data-edge="${edge.id.replace('>', '&#62;')}"`)
      for (const grant of edge.grants) expect(outline).toContain(grant.operation)
    }
    for (const service of graph.services) expect(outline).toContain(`>${service.name}</text>`)
  })

  it('escapes catalog text in the SVG', async () => {
    const hostile = catalogGraph({
      zones: { internal: {} },
      services: { x: { zone: 'internal', team: '<script>alert(1)</script>' } },
    })
    const svg = renderMapSvg(hostile, await layoutGraph(hostile))
    expect(svg).not.toContain('<script>')
    expect(svg).toContain('&#60;script&#62;')
  }, 30_000)

  it('writes DOT with zones as clusters and grants as labelled edges', () => {
    const dot = renderMapDot(graph)
    expect(dot).toMatch(/^digraph "shop\.example" \{/)
    expect(dot).toContain('subgraph "cluster_restricted"')
    expect(dot).toContain('"orders" -> "payments" [label="payments.v1.Payments/Charge · checkout')
    expect(dot).toMatch(/"analytics" -> "payments" \[label="DENIED: [^"]*", color="#b3261e"/)
  })

  it('writes a Mermaid flowchart with zones as subgraphs', () => {
    const mermaid = renderMapMermaid(graph)
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true)
    expect(mermaid).toContain('subgraph n_zone_internal["internal"]')
    expect(mermaid).toMatch(
      /n_orders -- "[^"]*payments\.v1\.Payments\/Charge · checkout[^"]*" --> n_payments/,
    )
    expect(mermaid).toMatch(/n_analytics -\. "DENIED[^"]*" \.-x n_payments/)
  })
})
