// Where the list of allowed zone crossings goes: in an empty stretch of the map — at the foot of a column of zones,
// under or over a zone — clear of every zone and as clear of edges as any such spot; below the map only when no
// spot inside it is empty. Browser-safe.
import type { LabelPlacer } from './label-placer.js'
import type { Box } from './map-layout.js'

/** The list's line height and average character width (12px system-ui), and its margin from zones. */
export const LEGEND_LINE = 18
const LEGEND_CHAR_WIDTH = 6.4
const MARGIN = 20

/** The box the list of `lines` (its heading first) takes. */
export function legendSize(lines: readonly string[]): { width: number; height: number } {
  const chars = lines.reduce((widest, line) => Math.max(widest, line.length), 0)
  return { width: Math.ceil(chars * LEGEND_CHAR_WIDTH) + 8, height: lines.length * LEGEND_LINE + 6 }
}

const intersects = (a: Box, b: Box, margin: number): boolean =>
  a.x < b.x + b.width + margin &&
  b.x < a.x + a.width + margin &&
  a.y < b.y + b.height + margin &&
  b.y < a.y + a.height + margin

/**
 * A spot for a `size` box inside `area` that overlaps none of `zones`, the one crossing the fewest edges (as
 * `placer` counts them), the earlier candidate on a tie; undefined when every spot overlaps a zone.
 */
export function placeLegend(
  size: { width: number; height: number },
  area: Box,
  zones: readonly Box[],
  placer: LabelPlacer,
): Box | undefined {
  const { width, height } = size
  const bottom = area.y + area.height - MARGIN - height
  const candidates: Box[] = []
  for (const zone of zones) {
    for (const x of [zone.x, zone.x + zone.width - width]) {
      for (const y of [bottom, zone.y + zone.height + MARGIN, zone.y - MARGIN - height, area.y + MARGIN]) {
        candidates.push({ x, y, width, height })
      }
    }
  }
  let best: Box | undefined
  let bestCost = Number.POSITIVE_INFINITY
  for (const box of candidates) {
    if (
      box.x < area.x ||
      box.y < area.y ||
      box.x + width > area.x + area.width ||
      box.y + height > area.y + area.height ||
      zones.some((zone) => intersects(box, zone, MARGIN - 1))
    )
      continue
    const cost = placer.cost(box)
    if (cost < bestCost) {
      best = box
      bestCost = cost
    }
  }
  return best
}
