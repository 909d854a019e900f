// Paths answered as OPA's router (gorilla/mux on Go's net/http) answers them, so a client sees the same status
// for the same URL: a path with an empty, "." or ".." segment is redirected to its clean form (307, query kept,
// the method and body preserved by the client), and a path with a trailing slash to the path without it (301,
// query dropped, as OPA does). GET and HEAD redirects carry Go's small HTML body. The service map page (/ui/) is
// Clearance's own and keeps its trailing slash.
import { posix } from 'node:path'
import type { Context, MiddlewareHandler } from 'hono'

/** Go's path.Clean as gorilla/mux applies it: a trailing slash of the original is kept. */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/') ? path : `/${path}`
  let clean = posix.normalize(rooted)
  if (clean.length > 1 && clean.endsWith('/')) clean = clean.slice(0, -1)
  return rooted.endsWith('/') && clean !== '/' ? `${clean}/` : clean
}

const isOwnPage = (path: string): boolean => path === '/ui' || path.startsWith('/ui/')

function redirect(c: Context, status: 301 | 307, location: string): Response {
  const text = status === 301 ? 'Moved Permanently' : 'Temporary Redirect'
  const method = c.req.method
  if (method !== 'GET' && method !== 'HEAD') {
    return new Response(null, { status, headers: { location } })
  }
  const href = location
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
  return new Response(`<a href="${href}">${text}</a>.\n\n`, {
    status,
    headers: { location, 'content-type': 'text/html; charset=utf-8' },
  })
}

export const opaPathRedirects: MiddlewareHandler = async (c, next) => {
  const path = c.req.path
  if (isOwnPage(path)) return next()
  // Only a path with "//" or a dot segment can be unclean: the common path skips the normalize.
  const clean = path.includes('//') || path.includes('/.') ? cleanPath(path) : path
  if (clean !== path) {
    const query = c.req.url.indexOf('?')
    return redirect(c, 307, query === -1 ? clean : clean + c.req.url.slice(query))
  }
  if (path.length > 1 && path.endsWith('/')) return redirect(c, 301, path.slice(0, -1))
  return next()
}
