// The example shop's map as the page draws it in a wide window, with the calls the browser test makes (one
// undeclared caller inside the catalog, one outside it): edges that meet at one service arrive at ports of their
// own, no edge label overlaps another or a node, no edge's line runs through the label of a call from another
// service, the map fills the window's height and the crossings list sits inside the map. Label boxes are measured as
// the placer sizes them (the browser test measures the rendered text).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  catalogGraph,
  layoutGraph,
  type MapLayout,
  type ObservedEdge,
  renderMapSvg,
} from '../../../engine/service-map/index.js'
import { type Curve, pointOn } from '../../../engine/service-map/label-placer.js'
import type { Box } from '../../../engine/service-map/map-layout.js'
import { POLICIES } from '../../helpers/policy-bundle.js'

const graph = catalogGraph(
  JSON.parse(readFileSync(join(POLICIES, 'clearance', 'catalog', 'data.json'), 'utf8')),
  '2026-01-01T00:00:00Z',
)
const stranger = 'unknown:spiffe://evil.example/sa/x'
const observed: ObservedEdge[] = [
  { id: 'web>payments', from: 'web', to: 'payments', kind: 'undeclared' },
  {
    id: `${stranger}>payments`,
    from: stranger,
    to: 'payments',
    kind: 'undeclared',
    labels: { [stranger]: 'spiffe://evil.example/sa/x' },
  },
]
/** The map area of the screenshot's 2200 × 1150 window, less the details panel. */
const ASPECT = 1770 / 1098

interface DrawnEdge {
  id: string
  from: string
  to: string
  curve: Curve
  label?: Box
}

const unescapeXml = (text: string): string =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))

/** Each edge's curve and its label's box (the placer's size: 6.1px a character, 13px a row, a row for counts). */
function edgesOf(svg: string): DrawnEdge[] {
  const edges: DrawnEdge[] = []
  for (const [group] of svg.matchAll(/<g class="edge [^"]*"[^>]*>.*?<\/g>/g)) {
    const attr = (name: string): string => unescapeXml(new RegExp(` ${name}="([^"]*)"`).exec(group)![1]!)
    const [px, py, cx, cy, qx, qy] = /<path d="M([-\d.]+),([-\d.]+) Q([-\d.]+),([-\d.]+) ([-\d.]+),([-\d.]+)"/
      .exec(group)!
      .slice(1)
      .map(Number) as [number, number, number, number, number, number]
    const texts = [...group.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) =>
      unescapeXml(m[1]!),
    )
    const edge: DrawnEdge = {
      id: attr('data-edge'),
      from: attr('data-from'),
      to: attr('data-to'),
      curve: { p: { x: px, y: py }, c: { x: cx, y: cy }, q: { x: qx, y: qy } },
    }
    if (texts.length > 0) {
      const width = Math.max(14, ...texts.map((t) => t.length)) * 6.1 + 8
      const lx = Number(attr('data-lx'))
      const ly = Number(attr('data-ly'))
      // data-ly is the counts row's baseline: the box starts 12px above it, a row per text line further up
      const top = ly - 12 - texts.length * 13
      edge.label = { x: lx - width / 2, y: top, width, height: (texts.length + 1) * 13 + 4 }
    }
    edges.push(edge)
  }
  return edges
}

const intersect = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

describe('the example map, drawn for a wide window', () => {
  let layout: MapLayout
  let svg: string
  const draw = async () => {
    layout ??= await layoutGraph(graph)
    svg ??= renderMapSvg(graph, layout, { observed, interactive: true, aspect: ASPECT })
    return svg
  }

  it('gives every edge that meets a service an end of its own on the service’s outline, 12px or more apart', async () => {
    const ends = new Map<string, { x: number; y: number }[]>()
    for (const edge of edgesOf(await draw())) {
      for (const [node, point] of [
        [edge.from, edge.curve.p],
        [edge.to, edge.curve.q],
      ] as const) {
        ends.set(node, [...(ends.get(node) ?? []), point])
      }
    }
    expect(ends.get('payments')!.length).toBe(5)
    for (const [node, points] of ends) {
      for (const [i, a] of points.entries()) {
        for (const b of points.slice(i + 1)) {
          expect(Math.hypot(a.x - b.x, a.y - b.y), `ends on ${node}`).toBeGreaterThanOrEqual(12)
        }
      }
    }
  }, 30_000)

  it('keeps every edge label clear of the other labels, of the nodes and of the lines of calls from elsewhere', async () => {
    const out = await draw()
    const edges = edgesOf(out)
    const nodes = [
      ...out.matchAll(
        /<g class="node[^"]*" data-node="([^"]*)"[^>]*><rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/g,
      ),
    ].map(([, id, x, y, width, height]) => ({
      id: unescapeXml(id!),
      x: Number(x),
      y: Number(y),
      width: Number(width),
      height: Number(height),
    }))
    expect(nodes.length).toBe(graph.services.length + 1)
    const labelled = edges.filter((e) => e.label !== undefined)
    expect(labelled.length).toBe(graph.edges.length + observed.length)
    const clashes: string[] = []
    for (const [i, a] of labelled.entries()) {
      const box = a.label!
      for (const b of labelled.slice(i + 1)) {
        if (intersect(box, b.label!)) clashes.push(`label ${a.id} overlaps label ${b.id}`)
      }
      for (const node of nodes) if (intersect(box, node)) clashes.push(`label ${a.id} covers node ${node.id}`)
      // lines that leave the same service fan out from one point: near it they cannot all be kept apart
      for (const other of edges) {
        if (other.id === a.id || other.from === a.from) continue
        for (let t = 0; t <= 1; t += 0.005) {
          const at = pointOn(other.curve, t)
          if (at.x > box.x && at.x < box.x + box.width && at.y > box.y && at.y < box.y + box.height) {
            clashes.push(`line ${other.id} crosses label ${a.id}`)
            break
          }
        }
      }
    }
    expect(clashes).toEqual([])
  }, 30_000)

  it('fills the window’s height and puts the crossings list in an empty part of the map', async () => {
    const out = await draw()
    const [, width, height] = /viewBox="[-\d.]+ 0 ([\d.]+) ([\d.]+)"/.exec(out)!.map(Number) as number[]
    expect(width! / height!).toBeCloseTo(ASPECT, 1)
    const [, lx, ly] = /<g class="crossings" transform="translate\(([-\d.]+) ([-\d.]+)\)">/
      .exec(out)!
      .map(Number) as number[]
    // inside the map, not in a footer below it
    expect(ly!).toBeLessThan(height! - 10 * 18)
    const list = { x: lx!, y: ly! - 14, width: 380, height: 11 * 18 }
    const stretched = renderMapSvg(graph, layout, { observed, aspect: ASPECT })
    for (const [, x, y, w, h] of stretched.matchAll(
      /<g class="zone[^"]*"[^>]*>(?:<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"\/>)/g,
    )) {
      expect(intersect(list, { x: Number(x), y: Number(y), width: Number(w), height: Number(h) })).toBe(false)
    }
  }, 30_000)

  it('draws the same picture from the same input', async () => {
    const again = renderMapSvg(graph, await layoutGraph(graph), {
      observed,
      interactive: true,
      aspect: ASPECT,
    })
    expect(again).toBe(await draw())
  }, 30_000)
})
