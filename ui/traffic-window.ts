// The page's sliding window over the server's per-second traffic frames: totals per edge over the last minutes,
// and the calls the declared map does not draw. Pure (no DOM), so it is tested on its own.
import type { EdgeTraffic, ShadowCounts, TrafficFrame } from '../engine/service-map/traffic-aggregator.js'

export interface EdgeTotals {
  id: string
  from: string
  to: string
  kind: EdgeTraffic['kind']
  allow: number
  deny: number
  shadow: ShadowCounts
  labels: Record<string, string>
}

export class TrafficWindow {
  private frames: TrafficFrame[] = []

  constructor(private seconds: number) {}

  setSeconds(seconds: number): void {
    this.seconds = seconds
  }

  add(frame: TrafficFrame): void {
    this.frames.push(frame)
    // keep the longest window the page offers
    const oldest = frame.t - 900_000
    while (this.frames.length > 0 && this.frames[0]!.t < oldest) this.frames.shift()
  }

  /** Totals per edge over the window ending at `now` (ms). */
  totals(now: number): Map<string, EdgeTotals> {
    const since = now - this.seconds * 1000
    const out = new Map<string, EdgeTotals>()
    for (const frame of this.frames) {
      if (frame.t < since) continue
      for (const edge of frame.edges) {
        let total = out.get(edge.id)
        if (total === undefined) {
          total = { ...edge, allow: 0, deny: 0, shadow: {}, labels: { ...edge.labels } }
          out.set(edge.id, total)
        }
        total.allow += edge.allow
        total.deny += edge.deny
        // one deny makes an implicit (allowed, ungranted) call undeclared
        if (edge.kind === 'undeclared') total.kind = 'undeclared'
        for (const [change, count] of Object.entries(edge.shadow ?? {})) {
          const key = change as keyof ShadowCounts
          total.shadow[key] = (total.shadow[key] ?? 0) + (count ?? 0)
        }
      }
    }
    return out
  }
}

export function shadowTotal(shadow: ShadowCounts): number {
  return Object.values(shadow).reduce((sum: number, n) => sum + (n ?? 0), 0)
}

export function shadowText(shadow: ShadowCounts): string {
  return Object.entries(shadow)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([change, n]) => `${n} ${change.replace('_', ' ')}`)
    .join(', ')
}
