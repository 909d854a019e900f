// The HTTP API suite (app.test.ts), unchanged, against the served stack: a real socket, the lean POST /v1/data
// route in front of hono. Every Data API POST in it must be answered by the lean route, everything else by hono.
import { afterAll, expect } from 'vitest'
import { serveAppsOverSocket, servedRequests } from '../../helpers/app.js'

serveAppsOverSocket()
await import('./app.test.js')

afterAll(() => {
  const dataPosts = servedRequests.filter((r) => r.method === 'POST' && /^\/v1\/data(\/|\?|$)/.test(r.url))
  expect(dataPosts.length).toBeGreaterThan(10)
  for (const request of servedRequests)
    expect(request.lean, `${request.method} ${request.url}`).toBe(dataPosts.includes(request))
})
