// The service map page under /ui/: the bundled page itself, the declared map of the active revision, the recent
// decisions on an edge and the live stream (Server-Sent Events: one traffic frame a second, aggregated server-side
// per edge, and a revision event on hot reload). Read-only; registered after the app's authentication middleware,
// so it answers 401 like every API route when authentication is on.
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { ClearanceError, ErrorCodes } from '../../errors.js'
import type {
  MapSnapshot,
  ServiceMapSource,
  TrafficAggregator,
  TrafficFrame,
} from '../../service-map/index.js'
import { acceptsGzip } from '../middleware/gzip-response.js'
import type { UiAssets } from './ui-assets.js'

export interface UiDeps {
  assets: UiAssets
  source: ServiceMapSource
  traffic: TrafficAggregator
}

// The page loads only its own script and style; the SVG it inserts carries its own <style>.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export function registerUiRoutes(app: Hono, deps: UiDeps): void {
  const asset = (name: string) => {
    const found = deps.assets.get(name)
    if (found === undefined) throw new ClearanceError(ErrorCodes.resourceNotFound, `no UI asset ${name}`)
    return found
  }
  app.get('/ui', (c) => c.redirect('/ui/', 301))
  app.get('/ui/', (c) => {
    const page = asset('index.html')
    return c.body(page.body, 200, {
      'content-type': page.contentType,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    })
  })
  app.get('/ui/assets/:name', (c) => {
    const file = asset(c.req.param('name'))
    return c.body(file.body, 200, {
      'content-type': file.contentType,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    })
  })
  // a thousand services make a megabyte of JSON: written and compressed once per revision, not once per page, and
  // kept only compressed (a tenth of the size); the rare client that takes no gzip gets it unzipped on request
  const bodies = new WeakMap<MapSnapshot, Uint8Array<ArrayBuffer>>()
  app.get('/ui/api/map', async (c) => {
    const snapshot = await deps.source.snapshot()
    if (snapshot === undefined) {
      throw new ClearanceError(ErrorCodes.internalError, 'no policy bundle is active yet; there is no map')
    }
    let zipped = bodies.get(snapshot)
    if (zipped === undefined) {
      zipped = new Uint8Array(gzipSync(JSON.stringify(snapshot)))
      bodies.set(snapshot, zipped)
    }
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' }
    if (!acceptsGzip(c.req.header('accept-encoding'))) {
      return c.body(new Uint8Array(gunzipSync(zipped)), 200, { ...headers, vary: 'Accept-Encoding' })
    }
    return c.body(zipped, 200, { ...headers, 'content-encoding': 'gzip', vary: 'Accept-Encoding' })
  })
  app.get('/ui/api/edges/:id/decisions', (c) =>
    c.json({ decisions: deps.traffic.recent(c.req.param('id')) }, 200, { 'cache-control': 'no-store' }),
  )
  app.get('/ui/api/stream', (c) =>
    streamSSE(c, async (stream) => {
      const frames: TrafficFrame[] = []
      const revisions: string[] = []
      let wake: (() => void) | undefined
      const notify = () => {
        wake?.()
        wake = undefined
      }
      const unsubscribe = deps.traffic.subscribe((frame) => {
        // a page that cannot keep up loses frames, never the server's memory
        if (frames.length < 30) frames.push(frame)
        notify()
      })
      const stopRevisions = deps.source.onChange((revision) => {
        revisions.push(revision)
        notify()
      })
      let open = true
      stream.onAbort(() => {
        open = false
        notify()
      })
      try {
        const current = await deps.source.snapshot()
        await stream.writeSSE({
          event: 'hello',
          data: JSON.stringify({ revision: current?.revision ?? null }),
        })
        while (open) {
          if (frames.length === 0 && revisions.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve
            })
            continue
          }
          for (const revision of revisions.splice(0)) {
            await stream.writeSSE({ event: 'revision', data: JSON.stringify({ revision }) })
          }
          for (const frame of frames.splice(0)) {
            await stream.writeSSE({ event: 'traffic', data: JSON.stringify(frame) })
          }
        }
      } finally {
        unsubscribe()
        stopRevisions()
      }
    }),
  )
}
