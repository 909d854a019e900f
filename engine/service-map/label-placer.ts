// Where an edge's label goes: the first of several spots along the edge — its middle first, then stepping out
// towards either end; at each, on the line and then just clear of it on either side; only when every one of those
// overlaps something, a row or two further out — where the label's box overlaps no other label, no node and no
// other edge's line; when every spot overlaps something, the one that costs least (covering a node costs most, a
// label less, crossing a line least, by the length of line under the label). `placeAll` then picks up each label
// that still overlaps something (a label placed early cannot keep off those placed after it) and places it again.
// Edges that meet at one service (many callers of `payments`) so get their labels spread along their own lines
// instead of stacked where the lines converge. A grid of cells keeps each check to the boxes nearby: placing a
// thousand edges' labels takes milliseconds. Browser-safe.
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

export interface LabelRequest {
  /** The edge's id, as given to `line`: a label keeps off every line but its own. */
  id: string
  curve: Curve
  width: number
  height: number
}

export interface LabelPlacer {
  /**
   * Marks where an edge runs, so that other edges' labels keep off it (cheaper to cross than a label); `weight`
   * multiplies what crossing it costs (a thick line is harder to read text over).
   */
  line(owner: string, curve: Curve, weight?: number): void
  /** Picks a box of `width` × `height` on or beside the curve, and keeps it as an obstacle. */
  place(curve: Curve, width: number, height: number, owner?: string): Box
  /**
   * Places every label as `place` does, in the order given; then each that still overlaps something is picked up
   * and placed again among all the others (labels placed early could not keep off the ones placed after them).
   */
  placeAll(requests: readonly LabelRequest[]): Map<string, Box>
  /** What covering `box` would cost now: 0 when it is clear of every node, label and line. */
  cost(box: Box): number
  /** Keeps `box` as an obstacle labels avoid as they avoid a node (the crossings legend). */
  block(box: Box): void
}

const CELL = 160
/** Fractions of the way along the edge that are tried, in order. */
const STEPS = [0.5, 0.44, 0.56, 0.38, 0.62, 0.32, 0.68, 0.26, 0.74, 0.2, 0.8, 0.14, 0.86, 0.1, 0.9]
/** On the line and just clear of it on either side; then a row further out, when every nearer spot overlaps. */
const PASSES = [
  [0, 1, -1],
  [2, -2, 3, -3],
]
/** A spot away from the line costs this much more per step out, so that it is taken only to avoid an overlap. */
const AWAY_COST = 40
/**
 * Crossing another edge's line costs this much a pixel of line under the label (a line through a label's two rows
 * costs about what covering a tenth of a label does); a line is kept as straight pieces about this long.
 */
const LINE_COST = 3
const LINE_PIECE = 24
/**
 * How many times the labels that still overlap something are placed again, and at most how many placings again in
 * all: on a dense map (thousands of edges, nearly every label crossing some line) repairing them all would triple
 * the time for little gain, so the budget goes to the labels placed first — the shortest edges'.
 */
const REPAIR_ROUNDS = 2
const REPAIR_BUDGET = 500
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

/** How much of the segment from (x1, y1) to (x2, y2) lies inside `box` (Liang–Barsky clipping). */
function clippedLength(box: Box, x1: number, y1: number, x2: number, y2: number): number {
  const dx = x2 - x1
  const dy = y2 - y1
  let enter = 0
  let leave = 1
  const sides: [number, number][] = [
    [-dx, x1 - box.x],
    [dx, box.x + box.width - x1],
    [-dy, y1 - box.y],
    [dy, box.y + box.height - y1],
  ]
  for (const [p, q] of sides) {
    if (p === 0) {
      if (q < 0) return 0
    } else {
      const r = q / p
      if (p < 0) enter = Math.max(enter, r)
      else leave = Math.min(leave, r)
    }
  }
  return leave > enter ? (leave - enter) * Math.hypot(dx, dy) : 0
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

export function createLabelPlacer(nodes: Iterable<Box>): LabelPlacer {
  interface Obstacle {
    box: Box
    weight: number
    owner?: string
    /** A piece of an edge's line (x1, y1, x2, y2), which costs by the length of it under a label. */
    piece?: [number, number, number, number]
    /** The last cost check that counted it: an obstacle in several cells is counted once. */
    seen: number
  }
  // cells keyed by a number (column · 2²⁰ + row): no strings built in the hot loop
  const cells = new Map<number, Obstacle[]>()
  let check = 0
  const eachCell = (box: Box, visit: (key: number) => void): void => {
    const right = Math.floor((box.x + box.width) / CELL)
    const bottom = Math.floor((box.y + box.height) / CELL)
    for (let cx = Math.floor(box.x / CELL); cx <= right; cx++) {
      for (let cy = Math.floor(box.y / CELL); cy <= bottom; cy++) visit(cx * 1_048_576 + cy)
    }
  }
  const add = (box: Box, weight: number, owner?: string, piece?: Obstacle['piece']): Obstacle => {
    const entry: Obstacle = { box, weight, seen: 0 }
    if (owner !== undefined) entry.owner = owner
    if (piece !== undefined) entry.piece = piece
    eachCell(box, (key) => {
      const list = cells.get(key)
      if (list === undefined) cells.set(key, [entry])
      else list.push(entry)
    })
    return entry
  }
  const remove = (entry: Obstacle): void => {
    eachCell(entry.box, (key) => {
      const list = cells.get(key)!
      list.splice(list.indexOf(entry), 1)
    })
  }
  /** What covering `box` costs, counting up to `limit` (a spot that costs that much already lost). */
  const cost = (box: Box, owner: string | undefined, limit = Number.POSITIVE_INFINITY): number => {
    let total = 0
    const mark = ++check
    const right = box.x + box.width
    const bottom = box.y + box.height
    const lastX = Math.floor(right / CELL)
    const lastY = Math.floor(bottom / CELL)
    for (let cx = Math.floor(box.x / CELL); cx <= lastX; cx++) {
      for (let cy = Math.floor(box.y / CELL); cy <= lastY; cy++) {
        const list = cells.get(cx * 1_048_576 + cy)
        if (list === undefined) continue
        for (const entry of list) {
          if (entry.seen === mark) continue
          entry.seen = mark
          const b = entry.box
          if (b.x > right || b.x + b.width < box.x || b.y > bottom || b.y + b.height < box.y) continue
          if (owner !== undefined && entry.owner === owner) continue
          total +=
            entry.piece === undefined
              ? overlap(box, b) * entry.weight
              : clippedLength(box, ...entry.piece) * entry.weight
          if (total >= limit) return total
        }
      }
    }
    return total
  }
  for (const node of nodes) add(node, NODE_WEIGHT)

  /** The spot that costs least for a label (what it overlaps, plus how far it is from its line). */
  const best = (
    curve: Curve,
    width: number,
    height: number,
    owner: string | undefined,
  ): { box: Box; cost: number; away: number } => {
    let found = { box: { x: 0, y: 0, width, height }, cost: Number.POSITIVE_INFINITY, away: 0 }
    // the spots by the line first, from its middle out; further out only when every one of those overlaps
    for (const sides of PASSES) {
      for (const t of STEPS) {
        const at = pointOn(curve, t)
        const normal = normalAt(curve, t)
        const clear = Math.abs(normal.x) * (width / 2) + Math.abs(normal.y) * (height / 2) + 2
        for (const side of sides) {
          // a row further out, not a label's width: beside a steep line that would float it far from its edge
          const offset = Math.sign(side) * (clear + (Math.abs(side) - 1) * (height + 4))
          const box = {
            x: at.x + normal.x * offset - width / 2,
            y: at.y + normal.y * offset - height / 2,
            width,
            height,
          }
          const away = Math.max(0, Math.abs(side) - 1) * AWAY_COST
          if (away >= found.cost) continue
          const c = cost(box, owner, found.cost - away) + away
          if (c < found.cost) found = { box, cost: c, away }
          if (found.cost === 0) return found
        }
      }
    }
    return found
  }

  return {
    line(owner, curve, weight = 1) {
      const length =
        Math.hypot(curve.c.x - curve.p.x, curve.c.y - curve.p.y) +
        Math.hypot(curve.q.x - curve.c.x, curve.q.y - curve.c.y)
      const pieces = Math.max(2, Math.ceil(length / LINE_PIECE))
      let from = curve.p
      for (let i = 1; i <= pieces; i++) {
        const to = pointOn(curve, i / pieces)
        const box = {
          x: Math.min(from.x, to.x),
          y: Math.min(from.y, to.y),
          width: Math.abs(to.x - from.x),
          height: Math.abs(to.y - from.y),
        }
        add(box, LINE_COST * weight, owner, [from.x, from.y, to.x, to.y])
        from = to
      }
    },
    place(curve, width, height, owner) {
      const { box } = best(curve, width, height, owner)
      add(box, 1, owner)
      return box
    },
    placeAll(requests) {
      const placed = requests.map((r) => {
        const spot = best(r.curve, r.width, r.height, r.id)
        return { ...spot, entry: add(spot.box, 1, r.id) }
      })
      let budget = REPAIR_BUDGET
      for (let round = 0; round < REPAIR_ROUNDS && budget > 0; round++) {
        let moved = false
        for (const [i, r] of requests.entries()) {
          const current = placed[i]!
          // what it overlaps now, labels placed after it included (its own box and line are not counted)
          const now = cost(current.box, r.id) + current.away
          if (now === 0) continue
          if (budget-- === 0) break
          remove(current.entry)
          const spot = best(r.curve, r.width, r.height, r.id)
          if (spot.cost < now) {
            placed[i] = { ...spot, entry: add(spot.box, 1, r.id) }
            moved = true
          } else placed[i] = { ...current, entry: add(current.box, 1, r.id) }
        }
        if (!moved) break
      }
      return new Map(requests.map((r, i) => [r.id, placed[i]!.box]))
    },
    cost: (box) => cost(box, undefined),
    block: (box) => add(box, NODE_WEIGHT),
  }
}

/** The unit normal of the curve at t (perpendicular to its direction there). */
function normalAt(curve: Curve, t: number): Point {
  const dx = 2 * (1 - t) * (curve.c.x - curve.p.x) + 2 * t * (curve.q.x - curve.c.x)
  const dy = 2 * (1 - t) * (curve.c.y - curve.p.y) + 2 * t * (curve.q.y - curve.c.y)
  const len = Math.hypot(dx, dy) || 1
  return { x: -dy / len, y: dx / len }
}
