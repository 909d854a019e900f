// Gzip for answers a client accepts compressed, as OPA does: only bodies of at least `minLength` bytes (OPA's
// server.encoding.gzip.min_length, 1024 by default), so a small decision goes out as it is, unbuffered and unzipped.
import { gzipSync } from 'node:zlib'
import type { MiddlewareHandler } from 'hono'

const ACCEPTS_GZIP = /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0+)?\s*(,|$))[\d.]+)?\s*(,|$)/i

/** Whether an Accept-Encoding header takes gzip (for routes that keep their answer compressed already). */
export const acceptsGzip = (header: string | undefined): boolean =>
  header !== undefined && ACCEPTS_GZIP.test(header)

export function gzipResponse(minLength: number): MiddlewareHandler {
  return async (c, next) => {
    await next()
    if (!acceptsGzip(c.req.header('accept-encoding'))) return
    const res = c.res
    if (res.body === null || res.headers.has('content-encoding') || c.req.method === 'HEAD') return
    const type = res.headers.get('content-type') ?? ''
    // a Server-Sent Events stream never ends: it goes out as it is, event by event
    if (!/json|text/.test(type) || type.startsWith('text/event-stream')) return
    const bytes = new Uint8Array(await res.arrayBuffer())
    const headers = new Headers(res.headers)
    if (bytes.byteLength < minLength) {
      c.res = new Response(bytes, { status: res.status, headers })
      return
    }
    const zipped = gzipSync(bytes)
    headers.set('content-encoding', 'gzip')
    headers.set('content-length', String(zipped.byteLength))
    headers.append('vary', 'Accept-Encoding')
    c.res = undefined
    c.res = new Response(zipped, { status: res.status, headers })
  }
}
