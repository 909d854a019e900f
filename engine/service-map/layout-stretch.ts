// Fits a laid-out map to the shape of where it is shown: a map much wider than its window (zones side by side,
// a few services each) is stretched downwards, zones moving apart in proportion and a zone's rows of services
// spreading over its new height, so that the window's height is used and edge labels get room between the rows.
// Nodes keep their size. O(nodes · zones), browser-safe.
import type { Box, MapLayout } from './map-layout.js'

/** Stretching further than this leaves zones of one row floating in space: the map is left shorter instead. */
const MAX_STRETCH = 2.5

/**
 * `layout` stretched to be about `height` tall (never squeezed); the same layout when it is tall enough. Zones move
 * apart; a zone `spreads` says yes to (one with edges between its services, whose labels need the room) spreads its
 * rows over its new height, any other keeps its height.
 */
export function stretchLayout(
  layout: MapLayout,
  height: number,
  spreads: (zone: string) => boolean = () => true,
): MapLayout {
  const s = Math.min(MAX_STRETCH, height / layout.height)
  if (!(s > 1.01)) return layout
  const zoneBoxes = Object.entries(layout.zones)
  const members = new Map<string, string[]>(zoneBoxes.map(([name]) => [name, []]))
  for (const [id, node] of Object.entries(layout.nodes)) {
    const zone = zoneBoxes.find(([, z]) => inside(node, z))
    if (zone !== undefined) members.get(zone[0])!.push(id)
  }
  const nodes: Record<string, Box> = { ...layout.nodes }
  const zones: Record<string, Box> = {}
  for (const [name, zone] of zoneBoxes) {
    const ids = members.get(name)!
    const top = zone.y * s
    const bottom = (zone.y + zone.height) * s
    const centres = ids.map((id) => middle(layout.nodes[id]!))
    // a loop, not Math.min(...centres): a zone of rows can hold tens of thousands of services
    const first = centres.reduce((m, c) => Math.min(m, c), Number.POSITIVE_INFINITY)
    const last = centres.reduce((m, c) => Math.max(m, c), Number.NEGATIVE_INFINITY)
    if (ids.length === 0 || last - first < 1 || !spreads(name)) {
      // one row, or nothing to make room for: the zone keeps its height, in the middle of where it now spans
      const y = (top + bottom) / 2 - zone.height / 2
      zones[name] = { ...zone, y }
      for (const id of ids) nodes[id] = { ...layout.nodes[id]!, y: layout.nodes[id]!.y + y - zone.y }
      continue
    }
    zones[name] = { ...zone, y: top, height: bottom - top }
    // the rows spread over the new height; the zone's margins above the first row and below the last stay
    const from = top + (first - zone.y)
    const to = bottom - (zone.y + zone.height - last)
    for (const [k, id] of ids.entries()) {
      const node = layout.nodes[id]!
      const centre = from + ((centres[k]! - first) / (last - first)) * (to - from)
      nodes[id] = { ...node, y: centre - node.height / 2 }
    }
  }
  return { width: layout.width, height: layout.height * s, zones, nodes }
}

const middle = (box: Box): number => box.y + box.height / 2

const inside = (node: Box, zone: Box): boolean =>
  node.x >= zone.x &&
  node.y >= zone.y &&
  node.x + node.width <= zone.x + zone.width &&
  node.y + node.height <= zone.y + zone.height
