// Where everything sits on the map, computed by ELK (elkjs): zones are compound nodes ordered left to right by the
// crossings the catalog allows (internet → edge → internal → restricted, management beside the internet), and
// each zone lays out its own services — layered by ELK along the grants between them when the zone is small, in
// rows when it is large (layering or packing a thousand nodes takes ELK seconds; rows take microseconds). Zones
// stand far enough apart for the labels of the calls between them. Edges are not routed by ELK: the renderer draws
// them between the placed nodes (edge-ports.ts), so an observed call can be added without moving anything; and it
// stretches the layout to the shape of its window (layout-stretch.ts).
import type { ELK as ElkApi, ElkNode } from 'elkjs/lib/elk-api.js'
import { type MapService, nodeMeta, type ServiceGraph, ZONE_ORDER } from './catalog-graph.js'

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface MapLayout {
  width: number
  height: number
  zones: Record<string, Box>
  nodes: Record<string, Box>
}

/** Zones with more services than this are laid out in rows rather than layered by ELK. */
const LAYERED_LIMIT = 60
export const NODE_HEIGHT = 54
const CHAR_WIDTH = 7.2

/** A node wide enough for its name (13.5px, bold) and its meta line (11px). */
export function nodeWidth(service: MapService): number {
  return Math.max(
    120,
    Math.round(Math.max(service.name.length * CHAR_WIDTH, nodeMeta(service).length * 6.1) + 28),
  )
}

const PAD = { top: 44, left: 24, bottom: 24, right: 24 }
const GAP = 28

/** Rows of nodes about as wide as they are tall all together: positions relative to the zone, and its size. */
function rows(members: { id: string; width: number }[]): {
  nodes: Record<string, Box>
  width: number
  height: number
} {
  const area = members.reduce((sum, m) => sum + (m.width + GAP) * (NODE_HEIGHT + GAP), 0)
  const target = Math.max(400, Math.sqrt(area * 1.6))
  const nodes: Record<string, Box> = {}
  let x = PAD.left
  let y = PAD.top
  let widest = 0
  for (const m of members) {
    if (x > PAD.left && x + m.width > PAD.left + target) {
      x = PAD.left
      y += NODE_HEIGHT + GAP
    }
    nodes[m.id] = { x, y, width: m.width, height: NODE_HEIGHT }
    x += m.width + GAP
    widest = Math.max(widest, x - GAP)
  }
  return { nodes, width: widest + PAD.right, height: y + NODE_HEIGHT + PAD.bottom }
}

// ELK is 1.6 MB of JavaScript: loaded on the first layout, not by every process that imports the engine.
// elk.bundled.js is CommonJS (`module.exports = ELK`); its typings describe an ES default export.
let elkConstructor: Promise<new () => ElkApi> | undefined
const loadElk = (): Promise<new () => ElkApi> => {
  elkConstructor ??= import('elkjs/lib/elk.bundled.js').then(
    (module) => module.default as unknown as new () => ElkApi,
  )
  return elkConstructor
}

export async function layoutGraph(graph: ServiceGraph): Promise<MapLayout> {
  const elk = new (await loadElk())()
  const zoneOf = new Map(graph.services.map((s) => [s.id, s.zone]))
  const rowPlaced = new Map<string, Record<string, Box>>()
  const zones: ElkNode[] = graph.zones.map((zone) => {
    const members = graph.services.filter((s) => s.zone === zone.name)
    const layered = members.length <= LAYERED_LIMIT
    if (!layered) {
      const placed = rows(members.map((s) => ({ id: s.id, width: nodeWidth(s) })))
      rowPlaced.set(zone.name, placed.nodes)
      return { id: `zone:${zone.name}`, width: placed.width, height: placed.height }
    }
    const inZone = graph.edges.filter(
      (e) => zoneOf.get(e.from) === zone.name && zoneOf.get(e.to) === zone.name,
    )
    return {
      id: `zone:${zone.name}`,
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'DOWN',
        'elk.padding': '[top=44,left=24,bottom=24,right=24]',
        'elk.spacing.nodeNode': '90',
        'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      },
      children: members.map((s) => ({ id: s.id, width: nodeWidth(s), height: NODE_HEIGHT })),
      edges: inZone.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
      // an empty zone still shows as a region
      ...(members.length === 0 ? { width: 180, height: 90 } : {}),
    }
  })
  const zoneIds = new Set(graph.zones.map((z) => z.name))
  // only crossings that go inwards order the zones (a crossing back out, restricted → internal, would make ELK
  // break a cycle its own way); management sits beside the internet, at the outside, reaching in
  const rank = (zone: string): number =>
    zone === 'management' ? 0 : Math.max(0, (ZONE_ORDER as readonly string[]).indexOf(zone))
  const crossings = graph.boundaries.filter(
    (b) => zoneIds.has(b.from) && zoneIds.has(b.to) && rank(b.from) < rank(b.to),
  )
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
      'elk.spacing.nodeNode': '48',
      'elk.layered.spacing.nodeNodeBetweenLayers': '180',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: zones,
    edges: crossings.map((b, i) => ({
      id: `crossing:${i}`,
      sources: [`zone:${b.from}`],
      targets: [`zone:${b.to}`],
    })),
  }
  const placed = await elk.layout(root)
  const layout: MapLayout = { width: placed.width ?? 0, height: placed.height ?? 0, zones: {}, nodes: {} }
  for (const zone of placed.children ?? []) {
    const zx = zone.x ?? 0
    const zy = zone.y ?? 0
    const name = zone.id.slice('zone:'.length)
    layout.zones[name] = {
      x: zx,
      y: zy,
      width: zone.width ?? 0,
      height: zone.height ?? 0,
    }
    for (const [id, box] of Object.entries(rowPlaced.get(name) ?? {})) {
      layout.nodes[id] = { ...box, x: zx + box.x, y: zy + box.y }
    }
    for (const node of zone.children ?? []) {
      layout.nodes[node.id] = {
        x: zx + (node.x ?? 0),
        y: zy + (node.y ?? 0),
        width: node.width ?? 0,
        height: node.height ?? 0,
      }
    }
  }
  return layout
}
