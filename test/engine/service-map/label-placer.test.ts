// Edge label placement: labels of edges that converge on one service are spread along their own lines instead of
// stacked where the lines meet, and stay off the nodes when there is room.
import { describe, expect, it } from 'vitest'
import { createLabelPlacer, pointOn } from '../../../engine/service-map/label-placer.js'
import type { Box } from '../../../engine/service-map/map-layout.js'

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

describe('createLabelPlacer', () => {
  it('puts a lone label on the middle of its edge', () => {
    const placer = createLabelPlacer([])
    const curve = { p: { x: 0, y: 0 }, c: { x: 100, y: 0 }, q: { x: 200, y: 0 } }
    const box = placer.place(curve, 60, 20)
    expect(box).toEqual({ x: 70, y: -10, width: 60, height: 20 })
  })

  it('spreads the labels of four nearly parallel edges into a service so that none overlap another or a node', () => {
    const target: Box = { x: 600, y: 90, width: 160, height: 54 }
    const sources: Box[] = [0, 1, 2, 3].map((i) => ({ x: 0, y: i * 44, width: 120, height: 24 }))
    const placer = createLabelPlacer([target, ...sources])
    const placed = sources.map((s) => {
      const p = { x: s.x + s.width, y: s.y + s.height / 2 }
      const q = { x: target.x, y: target.y + target.height / 2 }
      return placer.place({ p, c: { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 }, q }, 120, 26)
    })
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) expect(overlaps(a, b)).toBe(false)
      for (const node of [target, ...sources]) expect(overlaps(a, node)).toBe(false)
    }
  })

  it('falls back to the spot that overlaps least when every spot overlaps', () => {
    const wall: Box = { x: -1000, y: -1000, width: 3000, height: 3000 }
    const placer = createLabelPlacer([wall])
    const curve = { p: { x: 0, y: 0 }, c: { x: 50, y: 0 }, q: { x: 100, y: 0 } }
    const box = placer.place(curve, 40, 10)
    const mid = pointOn(curve, 0.5)
    expect(box).toEqual({ x: mid.x - 20, y: mid.y - 5, width: 40, height: 10 })
  })

  it('moves a label placed early off the one spot a later label has, when the early one has room elsewhere', () => {
    // B's edge is 10px long between two nodes: its label fits only on its own line, where A's label went first
    const walls: Box[] = [
      { x: 100, y: -80, width: 200, height: 62 },
      { x: 100, y: 18, width: 200, height: 62 },
    ]
    const placer = createLabelPlacer(walls)
    const a = { p: { x: 0, y: 0 }, c: { x: 200, y: 0 }, q: { x: 400, y: 0 } }
    const b = { p: { x: 195, y: 0 }, c: { x: 200, y: 0 }, q: { x: 205, y: 0 } }
    placer.line('a', a)
    placer.line('b', b)
    const placed = placer.placeAll([
      { id: 'a', curve: a, width: 60, height: 20 },
      { id: 'b', curve: b, width: 60, height: 20 },
    ])
    // B on its own line, A moved along its own
    const onB = placed.get('b')!
    expect(onB.y).toBe(-10)
    expect(onB.x + 30).toBeGreaterThanOrEqual(195)
    expect(onB.x + 30).toBeLessThanOrEqual(205)
    expect(placed.get('a')!.y).toBe(-10)
    expect(overlaps(placed.get('a')!, placed.get('b')!)).toBe(false)
    for (const wall of walls) expect(overlaps(placed.get('a')!, wall)).toBe(false)
  })
})
