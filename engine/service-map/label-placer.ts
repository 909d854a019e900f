// Where an edge's label goes: the first of several points along the edge — its middle first, then stepping out
// towards either end; at each, on the line and then just clear of it on either side — where the label's box
// overlaps no label placed before it, no node and no other edge's line; when every spot overlaps something, the
// one that costs least (covering a node costs most, crossing a line least). Edges that meet at one service (many callers of `payments`)
// so get their labels spread along their own lines instead of stacked where the lines converge. A grid of cells
// keeps each check to the boxes nearby: placing a thousand edges' labels takes milliseconds. Browser-safe.
import type { Box } from './map-layout.js'

export interface Point {
  x: number
  y: number
}

/** A quadratic Bézier curve: from p, bending towards c, to q. */
export interface Curve {
  p: Point
  c: Point
  q: Point
}

export interface LabelPlacer {
  /** Marks where an edge runs, so that other edges' labels keep off it (cheaper to cross than a label). */
  line(owner: string, curve: Curve): void
  /** Picks a box of `width` × `height` on or beside the curve, and keeps it as an obstacle. */
  place(curve: Curve, width: number, height: number, owner?: string): Box
}

const CELL = 160
/** Fractions of the way along the edge that are tried, in order. */
const STEPS = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8]
const SIDES = [0, 1, -1]
/** Crossing another edge's line costs less than covering a label; points sampled this far apart along it. */
const LINE_WEIGHT = 0.35
const LINE_STEP = 14
const LINE_SIZE = 6
/** Covering a node costs more than covering another label: the node's name is what people read first. */
const NODE_WEIGHT = 4

export function pointOn(curve: Curve, t: number): Point {
  const a = (1 - t) * (1 - t)
  const b = 2 * (1 - t) * t
  const c = t * t
  return {
    x: a * curve.p.x + b * curve.c.x + c * curve.q.x,
    y: a * curve.p.y + b * curve.c.y + c * curve.q.y,
  }
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

export function createLabelPlacer(nodes: Iterable<Box>): LabelPlacer {
  const cells = new Map<string, { box: Box; weight: number; owner?: string }[]>()
  const keysOf = (box: Box): string[] => {
    const keys: string[] = []
    for (let cx = Math.floor(box.x / CELL); cx <= Math.floor((box.x + box.width) / CELL); cx++) {
      for (let cy = Math.floor(box.y / CELL); cy <= Math.floor((box.y + box.height) / CELL); cy++) {
        keys.push(`${cx},${cy}`)
      }
    }
    return keys
  }
  const add = (box: Box, weight: number, owner?: string): void => {
    const entry = owner === undefined ? { box, weight } : { box, weight, owner }
    for (const key of keysOf(box)) {
      const list = cells.get(key)
      if (list === undefined) cells.set(key, [entry])
      else list.push(entry)
    }
  }
  const cost = (box: Box, owner: string | undefined): number => {
    let total = 0
    const seen = new Set<Box>()
    for (const key of keysOf(box)) {
      for (const entry of cells.get(key) ?? []) {
        if (seen.has(entry.box) || (owner !== undefined && entry.owner === owner)) continue
        seen.add(entry.box)
        total += overlap(box, entry.box) * entry.weight
      }
    }
    return total
  }
  for (const node of nodes) add(node, NODE_WEIGHT)

  return {
    line(owner, curve) {
      const length =
        Math.hypot(curve.c.x - curve.p.x, curve.c.y - curve.p.y) +
        Math.hypot(curve.q.x - curve.c.x, curve.q.y - curve.c.y)
      const steps = Math.max(1, Math.ceil(length / LINE_STEP))
      for (let i = 1; i < steps; i++) {
        const at = pointOn(curve, i / steps)
        const half = LINE_SIZE / 2
        add({ x: at.x - half, y: at.y - half, width: LINE_SIZE, height: LINE_SIZE }, LINE_WEIGHT, owner)
      }
    },
    place(curve, width, height, owner) {
      let best: Box | undefined
      let bestCost = Number.POSITIVE_INFINITY
      for (const t of STEPS) {
        const at = pointOn(curve, t)
        const normal = normalAt(curve, t)
        // on the line, then just clear of it on either side
        const clear = Math.abs(normal.x) * (width / 2) + Math.abs(normal.y) * (height / 2) + 2
        for (const side of SIDES) {
          const x = at.x + normal.x * clear * side - width / 2
          const y = at.y + normal.y * clear * side - height / 2
          const box = { x, y, width, height }
          const c = cost(box, owner)
          if (c < bestCost) {
            best = box
            bestCost = c
            if (c === 0) break
          }
        }
        if (bestCost === 0) break
      }
      add(best!, 1)
      return best!
    },
  }
}

/** The unit normal of the curve at t (perpendicular to its direction there). */
function normalAt(curve: Curve, t: number): Point {
  const dx = 2 * (1 - t) * (curve.c.x - curve.p.x) + 2 * t * (curve.q.x - curve.c.x)
  const dy = 2 * (1 - t) * (curve.c.y - curve.p.y) + 2 * t * (curve.q.y - curve.c.y)
  const len = Math.hypot(dx, dy) || 1
  return { x: -dy / len, y: dx / len }
}
