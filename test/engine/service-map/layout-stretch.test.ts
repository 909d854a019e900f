// Stretching a wide map to its window's height: zones move apart in proportion, a zone with edges inside spreads
// its rows, any other keeps its height, nodes keep their size and stay inside their zones; a tall map is left alone.
import { describe, expect, it } from 'vitest'
import { stretchLayout } from '../../../engine/service-map/layout-stretch.js'
import type { MapLayout } from '../../../engine/service-map/map-layout.js'

const layout: MapLayout = {
  width: 1000,
  height: 300,
  zones: {
    left: { x: 0, y: 0, width: 300, height: 300 },
    right: { x: 400, y: 100, width: 300, height: 120 },
  },
  nodes: {
    a: { x: 20, y: 44, width: 120, height: 54 },
    b: { x: 20, y: 180, width: 120, height: 54 },
    c: { x: 420, y: 144, width: 120, height: 54 },
  },
}

describe('stretchLayout', () => {
  it('stretches a wide map to the height asked, spreading the rows of a zone that asks for room', () => {
    const out = stretchLayout(layout, 600, (zone) => zone === 'left')
    expect(out.height).toBe(600)
    expect(out.width).toBe(1000)
    expect(out.zones.left).toEqual({ x: 0, y: 0, width: 300, height: 600 })
    // the rows spread: the first keeps its margin from the top, the last from the bottom
    expect(out.nodes.a!.y).toBeCloseTo(44)
    expect(out.nodes.b!.y).toBeCloseTo(600 - (300 - 180))
    // one row: the zone keeps its height, centred where it now spans (200…440)
    expect(out.zones.right).toEqual({ x: 400, y: 260, width: 300, height: 120 })
    expect(out.nodes.c).toEqual({ x: 420, y: 304, width: 120, height: 54 })
    for (const node of Object.values(out.nodes)) expect(node.height).toBe(54)
  })

  it('keeps the rows of a zone with nothing to make room for together', () => {
    const out = stretchLayout(layout, 600, () => false)
    expect(out.zones.left!.height).toBe(300)
    expect(out.nodes.b!.y - out.nodes.a!.y).toBe(136)
  })

  it('never squeezes a map or stretches one past two and a half times its height', () => {
    expect(stretchLayout(layout, 200)).toBe(layout)
    expect(stretchLayout(layout, 3000).height).toBe(750)
  })
})
