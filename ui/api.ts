// The page's calls to the server: same origin, credentials as the page was loaded with.
import type { MapSnapshot } from '../engine/service-map/map-source.js'
import type { RecentDecision } from '../engine/service-map/traffic-aggregator.js'

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

export const fetchMap = async (): Promise<MapSnapshot> =>
  json<MapSnapshot>(await fetch('api/map', { credentials: 'same-origin' }))

export const fetchDecisions = async (edge: string): Promise<RecentDecision[]> =>
  (
    await json<{ decisions: RecentDecision[] }>(
      await fetch(`api/edges/${encodeURIComponent(edge)}/decisions`, { credentials: 'same-origin' }),
    )
  ).decisions

export interface CheckAnswer {
  decision_id?: string
  allow?: boolean
  reasons?: { code: string; message: string }[]
  obligations?: unknown[]
  code?: string
  message?: string
  errors?: { code: string; message: string }[]
}

export async function check(input: unknown): Promise<{ status: number; body: CheckAnswer }> {
  const response = await fetch('/v1/check', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  return { status: response.status, body: (await response.json()) as CheckAnswer }
}
