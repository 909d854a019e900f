// Edge ends on a box's outline: ends that would meet at one point are spread apart along the outline, in their
// order around it, and each curve starts and ends on its boxes' outlines.
import { describe, expect, it } from 'vitest'
import { edgeCurves, spreadOnLoop } from '../../../engine/service-map/edge-ports.js'
import type { Box } from '../../../engine/service-map/map-layout.js'

const onOutline = (box: Box, p: { x: number; y: number }): boolean =>
  (Math.abs(p.x - box.x) < 1e-6 || Math.abs(p.x - box.x - box.width) < 1e-6
    ? p.y >= box.y && p.y <= box.y + box.height
    : false) ||
  (Math.abs(p.y - box.y) < 1e-6 || Math.abs(p.y - box.y - box.height) < 1e-6
    ? p.x >= box.x && p.x <= box.x + box.width
    : false)

describe('spreadOnLoop', () => {
  it('leaves wishes that are far enough apart where they are', () => {
    expect(spreadOnLoop([10, 100, 200], 400)).toEqual([10, 100, 200])
  })

  it('spreads wishes at one point around it, 20 apart, in the order they were given', () => {
    expect(spreadOnLoop([100, 100, 100], 400)).toEqual([80, 100, 120])
  })

  it('spreads a crowd across the point where the loop closes, and never further apart than the loop allows', () => {
    // 395 comes before 2 and 5 around the loop: positions count on past 400 (the drawing takes them modulo 400)
    const [a, b, c] = spreadOnLoop([395, 2, 5], 400) as [number, number, number]
    expect(b - a).toBeCloseTo(20)
    expect(c - b).toBeCloseTo(20)
    expect((a + b + c) / 3).toBeCloseTo((395 + 402 + 405) / 3)
    const many = spreadOnLoop(new Array(40).fill(50), 400)
    const gaps = [...many].sort((a, b) => a - b).map((u, i, all) => (i === 0 ? 10 : u - all[i - 1]!))
    for (const gap of gaps) expect(gap).toBeCloseTo(10)
  })
})

describe('edgeCurves', () => {
  it('gives five edges converging on one box distinct ends on its outline, each curve from box to box', () => {
    const target: Box = { x: 600, y: 100, width: 160, height: 54 }
    const boxes: Record<string, Box> = { target }
    const edges = [0, 1, 2, 3, 4].map((i) => {
      boxes[`s${i}`] = { x: 0, y: 60 + i * 30, width: 120, height: 24 }
      return { id: `s${i}>target`, from: `s${i}`, to: 'target', bend: 14 }
    })
    const curves = edgeCurves(boxes, edges)
    const ends = edges.map((e) => curves.get(e.id)!.q)
    for (const [i, a] of ends.entries()) {
      expect(onOutline(target, a)).toBe(true)
      // 20 apart along the outline; round a corner, a little less in a straight line
      for (const b of ends.slice(i + 1)) expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThanOrEqual(12)
    }
    for (const e of edges) expect(onOutline(boxes[e.from]!, curves.get(e.id)!.p)).toBe(true)
    // in the order the sources stand: the top source's edge arrives highest
    const ys = ends.map((p) => p.y)
    expect([...ys].sort((a, b) => a - b)).toEqual(ys)
  })

  it('draws no curve for an edge whose box is unknown', () => {
    const curves = edgeCurves({ a: { x: 0, y: 0, width: 10, height: 10 } }, [
      { id: 'a>b', from: 'a', to: 'b', bend: 14 },
    ])
    expect(curves.size).toBe(0)
  })
})
