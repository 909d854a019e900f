// The page's sliding window over the server's per-second frames: totals per edge inside the chosen window, a deny
// turning an implicit call undeclared, shadow counts summed for the overlay.
import { describe, expect, it } from 'vitest'
import { shadowText, shadowTotal, TrafficWindow } from '../../ui/traffic-window.js'

const edge = (id: string, allow: number, deny: number, extra: object = {}) => {
  const [from, to] = id.split('>') as [string, string]
  return { id, from, to, kind: 'declared' as const, allow, deny, ...extra }
}

describe('TrafficWindow', () => {
  it('sums the frames inside the window and leaves older ones out', () => {
    const window = new TrafficWindow(60)
    window.add({ t: 0, edges: [edge('a>b', 5, 0)], dropped: 0 })
    window.add({ t: 50_000, edges: [edge('a>b', 1, 2)], dropped: 0 })
    window.add({ t: 90_000, edges: [edge('a>b', 1, 0), edge('c>b', 0, 1)], dropped: 0 })
    const totals = window.totals(100_000)
    expect(totals.get('a>b')).toMatchObject({ allow: 2, deny: 2 })
    expect(totals.get('c>b')).toMatchObject({ allow: 0, deny: 1 })
    window.setSeconds(900)
    expect(window.totals(100_000).get('a>b')).toMatchObject({ allow: 7, deny: 2 })
  })

  it('marks an edge undeclared once any second saw it undeclared', () => {
    const window = new TrafficWindow(300)
    window.add({ t: 1_000, edges: [edge('x>y', 1, 0, { kind: 'implicit' })], dropped: 0 })
    window.add({ t: 2_000, edges: [edge('x>y', 0, 1, { kind: 'undeclared' })], dropped: 0 })
    expect(window.totals(3_000).get('x>y')?.kind).toBe('undeclared')
  })

  it('sums shadow changes for the overlay', () => {
    const window = new TrafficWindow(300)
    window.add({ t: 1_000, edges: [edge('a>b', 3, 0, { shadow: { newly_denied: 2 } })], dropped: 0 })
    window.add({
      t: 2_000,
      edges: [edge('a>b', 1, 0, { shadow: { newly_denied: 1, error: 1 } })],
      dropped: 0,
    })
    const shadow = window.totals(3_000).get('a>b')!.shadow
    expect(shadow).toEqual({ newly_denied: 3, error: 1 })
    expect(shadowTotal(shadow)).toBe(4)
    expect(shadowText(shadow)).toBe('3 newly denied, 1 error')
  })
})
