// Where each edge leaves and enters its boxes, and the curve between: every end sits on its box's outline where a
// line from the box's centre towards the curve's bend would cross it, and the ends on one box are then pushed apart
// along the outline (in the order they came, never crossing) so that edges converging on one service (every
// caller of `payments`) arrive at ports of their own instead of one point under a pile of arrowheads.
// O(edges · log edges), browser-safe.
import type { Curve, Point } from './label-placer.js'
import type { Box } from './map-layout.js'

export interface PortEdge {
  id: string
  from: string
  to: string
  /** How far the curve bows out sideways from the straight line between the boxes' centres. */
  bend: number
}

/** Ends on one box are kept at least this far apart along its outline (less only when there are too many). */
const PORT_GAP = 20
/** Ends stay this far from a corner, where an arrowhead would sit on two sides at once. */
const CORNER = 6

const center = (box: Box): Point => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 })

/** Where the segment from the centre of `box` towards `to` leaves the box. */
export function border(box: Box, to: Point): Point {
  const c = center(box)
  const dx = to.x - c.x
  const dy = to.y - c.y
  if (dx === 0 && dy === 0) return c
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : box.width / 2 / Math.abs(dx)
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : box.height / 2 / Math.abs(dy)
  const s = Math.min(sx, sy)
  return { x: c.x + dx * s, y: c.y + dy * s }
}

/** The distance along the outline, clockwise from the top-left corner, of a point on it. */
function along(box: Box, p: Point): number {
  const { x, y, width: w, height: h } = box
  const eps = 1e-6
  if (Math.abs(p.y - y) < eps) return p.x - x
  if (Math.abs(p.x - (x + w)) < eps) return w + (p.y - y)
  if (Math.abs(p.y - (y + h)) < eps) return w + h + (x + w - p.x)
  return 2 * w + h + (y + h - p.y)
}

/** The point `u` along the outline (taken modulo its length), kept off the corners. */
function pointAt(box: Box, u: number): Point {
  const { x, y, width: w, height: h } = box
  const perimeter = 2 * (w + h)
  const at = ((u % perimeter) + perimeter) % perimeter
  const off = (v: number, length: number): number => Math.min(Math.max(v, CORNER), length - CORNER)
  if (at < w) return { x: x + off(at, w), y }
  if (at < w + h) return { x: x + w, y: y + off(at - w, h) }
  if (at < 2 * w + h) return { x: x + w - off(at - w - h, w), y: y + h }
  return { x, y: y + h - off(at - 2 * w - h, h) }
}

/**
 * Spreads wanted positions on a loop of length `perimeter` at least `gap` apart, each as near its wish as the
 * others allow, in their order around the loop (clusters of ends that crowd one another centre on their wishes).
 */
export function spreadOnLoop(wishes: readonly number[], perimeter: number): number[] {
  const n = wishes.length
  if (n < 2) return [...wishes]
  const order = wishes.map((u, i) => ({ u, i })).sort((a, b) => a.u - b.u || a.i - b.i)
  // cut the loop at its widest gap between wishes, so the run of ends is laid out as a line
  let cut = 0
  let widest = -1
  for (let k = 0; k < n; k++) {
    const next = k === n - 1 ? order[0]!.u + perimeter : order[k + 1]!.u
    if (next - order[k]!.u > widest) {
      widest = next - order[k]!.u
      cut = (k + 1) % n
    }
  }
  const line = order.map((_, k) => {
    const item = order[(cut + k) % n]!
    return { i: item.i, u: cut + k >= n ? item.u + perimeter : item.u }
  })
  const gap = Math.min(PORT_GAP, perimeter / n)
  // clusters of neighbours that would sit closer than `gap`; each starts where its members' wishes, less their
  // offsets in it, average out (`sum` holds that sum, so merging is O(1))
  const clusters: { first: number; count: number; sum: number; start: number }[] = []
  line.forEach((item, k) => {
    let cluster = { first: k, count: 1, sum: item.u, start: item.u }
    for (;;) {
      const previous = clusters[clusters.length - 1]
      if (previous === undefined || previous.start + previous.count * gap <= cluster.start) break
      clusters.pop()
      const count = previous.count + cluster.count
      const sum = previous.sum + cluster.sum - cluster.count * previous.count * gap
      cluster = { first: previous.first, count, sum, start: sum / count }
    }
    clusters.push(cluster)
  })
  const placed = new Array<number>(n)
  for (const cluster of clusters) {
    for (let k = 0; k < cluster.count; k++) placed[line[cluster.first + k]!.i] = cluster.start + k * gap
  }
  return placed
}

/** The curve of each edge whose two boxes are known, by edge id. */
export function edgeCurves(boxes: Record<string, Box>, edges: readonly PortEdge[]): Map<string, Curve> {
  interface End {
    edge: number
    side: 'p' | 'q'
    u: number
  }
  const controls: Point[] = []
  const ends = new Map<string, End[]>()
  const addEnd = (node: string, end: End): void => {
    const list = ends.get(node)
    if (list === undefined) ends.set(node, [end])
    else list.push(end)
  }
  edges.forEach((edge, i) => {
    const a = boxes[edge.from]
    const b = boxes[edge.to]
    if (a === undefined || b === undefined) return
    const ca = center(a)
    const cb = center(b)
    const dx = cb.x - ca.x
    const dy = cb.y - ca.y
    const len = Math.hypot(dx, dy) || 1
    const c = {
      x: (ca.x + cb.x) / 2 - (dy / len) * edge.bend,
      y: (ca.y + cb.y) / 2 + (dx / len) * edge.bend,
    }
    controls[i] = c
    addEnd(edge.from, { edge: i, side: 'p', u: along(a, border(a, c)) })
    addEnd(edge.to, { edge: i, side: 'q', u: along(b, border(b, c)) })
  })
  const ports = new Map<string, Point>()
  // nodes in a fixed order, so the same input always gives the same picture
  for (const [node, list] of ends) {
    const box = boxes[node]!
    const spread = spreadOnLoop(
      list.map((e) => e.u),
      2 * (box.width + box.height),
    )
    list.forEach((end, k) => {
      ports.set(`${end.edge}${end.side}`, pointAt(box, spread[k]!))
    })
  }
  const curves = new Map<string, Curve>()
  edges.forEach((edge, i) => {
    const c = controls[i]
    if (c === undefined) return
    curves.set(edge.id, { p: ports.get(`${i}p`)!, c, q: ports.get(`${i}q`)! })
  })
  return curves
}
