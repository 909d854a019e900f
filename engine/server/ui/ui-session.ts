// Lets a browser open the service map when the server asks for bearer tokens (--authentication token): a page
// load and an EventSource cannot carry an Authorization header. Without credentials GET /ui/ answers 401 with a
// token-entry form and nothing else (no script, no names from the catalog). The form POSTs the token in its body —
// never in a URL, so never in an access log — to /ui/session, which answers with an HttpOnly, SameSite=Strict
// cookie holding an expiry and an HMAC of it keyed by that token (not the token itself). The cookie vouches only
// for the page's own requests — /ui/… and the what-if's POST to the check path — until it expires or its token is
// removed from the token file; every other API route still wants the bearer token. Stateless, so it holds across
// --workers.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { Context, Hono } from 'hono'

export interface UiSession {
  /** A valid session cookie on a request the page itself makes. */
  vouches(c: Context): boolean
}

export interface UiSessionOptions {
  tokens: readonly string[]
  ttlMs: number
  onRefused?: ((reason: string) => void) | undefined
  now?: () => number
}

const COOKIE = 'clearance_ui'
/** The what-if panel's question goes where services send theirs. */
const CHECK_ROUTE = '/v1/check'
const MAX_FORM_BYTES = 8192

const LOGIN_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

function loginPage(refused: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clearance — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{font:15px/1.4 system-ui,sans-serif;margin:10vh auto;max-width:26rem;padding:0 1rem;color:#1c2329}
label{display:block;margin:1rem 0 .3rem}input{width:100%;font:inherit;padding:.4rem}button{margin-top:1rem;font:inherit;padding:.4rem 1rem}
.refused{color:#b3261e}</style></head><body>
<h1>Clearance service map</h1>
<p>This server asks for a bearer token (--authentication token).</p>
${refused ? '<p class="refused" role="alert">That token is not accepted.</p>' : ''}
<form method="post" action="/ui/session"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Open the map</button></form></body></html>`
}

function cookieOf(c: Context): string | undefined {
  const header = c.req.header('cookie')
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim()
  }
  return undefined
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

const digest = (token: string): Buffer => createHash('sha256').update(token).digest()

const sign = (token: string, expires: number): Buffer =>
  createHmac('sha256', token).update(`clearance-ui-session:${expires}`).digest()

export function createUiSession(options: UiSessionOptions): UiSession & {
  /** The cookie value for a token, or undefined when the token is not one of the accepted ones. */
  issue(token: string): { value: string; maxAgeSeconds: number } | undefined
} {
  const now = options.now ?? Date.now
  const tokenDigests = options.tokens.map(digest)
  const signatures = (expires: number): Buffer[] => options.tokens.map((token) => sign(token, expires))
  const valid = (value: string | undefined): boolean => {
    const match = value === undefined ? null : /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value)
    if (match === null) return false
    const expires = Number(match[1])
    const at = now()
    if (expires <= at || expires > at + options.ttlMs) return false
    const presented = Buffer.from(match[2]!, 'base64url')
    let accepted = false
    for (const expected of signatures(expires)) accepted = timingSafeEqual(presented, expected) || accepted
    return accepted
  }
  return {
    vouches(c) {
      const path = c.req.path
      const pageRequest =
        path.startsWith('/ui/') || path === '/ui' || (c.req.method === 'POST' && path === CHECK_ROUTE)
      return pageRequest && valid(cookieOf(c))
    },
    issue(token) {
      // every accepted token is compared, in constant time, whichever matches: digests of equal length, so
      // neither the content nor the length of a token shows in the time taken
      const presented = digest(token)
      let match: string | undefined
      for (const [i, candidate] of options.tokens.entries()) {
        if (timingSafeEqual(presented, tokenDigests[i]!)) match = candidate
      }
      if (match === undefined) {
        options.onRefused?.('wrong_token')
        return undefined
      }
      const expires = now() + options.ttlMs
      return {
        value: `${expires}.${sign(match, expires).toString('base64url')}`,
        maxAgeSeconds: Math.floor(options.ttlMs / 1000),
      }
    },
  }
}

/**
 * The sign-in form and POST /ui/session; registered before the app's authentication, which the session then
 * satisfies for the page's requests (authentication's `vouched`).
 */
export function registerUiSessionRoutes(app: Hono, session: ReturnType<typeof createUiSession>): void {
  const login = (c: Context, refused: boolean) =>
    c.html(loginPage(refused), 401, {
      'content-security-policy': LOGIN_CSP,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
  // the page itself, to a browser with neither a bearer token nor a session: the form, and nothing else
  app.on('GET', ['/ui', '/ui/'], async (c, next) => {
    if (c.req.header('authorization') !== undefined || session.vouches(c)) return next()
    return login(c, false)
  })
  app.post('/ui/session', async (c) => {
    const origin = c.req.header('origin')
    // a sign-in posted from another site's form is refused (host only: a TLS-terminating proxy changes the scheme)
    if (origin !== undefined && hostOf(origin) !== c.req.header('host')) return login(c, true)
    const length = Number(c.req.header('content-length') ?? 0)
    const type = c.req.header('content-type') ?? ''
    if (length > MAX_FORM_BYTES || !type.startsWith('application/x-www-form-urlencoded')) {
      return login(c, true)
    }
    const text = await c.req.text()
    const token = new URLSearchParams(text.length > MAX_FORM_BYTES ? '' : text).get('token') ?? ''
    const issued = token === '' ? undefined : session.issue(token)
    if (issued === undefined) return login(c, true)
    const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : ''
    return c.body(null, 303, {
      location: '/ui/',
      'set-cookie': `${COOKIE}=${issued.value}; Path=/; Max-Age=${issued.maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`,
      'cache-control': 'no-store',
    })
  })
}
