// The original request behind a gateway's forward-auth call, read from the headers each gateway sends as it is:
// nginx auth_request (X-Original-URI and X-Original-Method, set in its config), Caddy forward_auth and Traefik
// ForwardAuth (X-Forwarded-Method, -Uri, -Host, -Proto, -For). Forwarded headers count only from a trusted proxy;
// from anyone else the request is judged by its own socket and line. The result is the input OPA's Envoy plugin
// would build for the same request, so one adapter policy serves Envoy and every gateway.
import { EXT_AUTHZ_VERSION } from '../envoy-ext-authz/check-input.js'
import { parseRequestTarget } from '../request-target.js'
import type { ClientIdentity } from './client-certificate.js'
import type { TrustedProxies } from './trusted-proxies.js'

/** Headers that carry credentials or hop facts: read into `verified`, never passed to the policy as they are. */
const WITHHELD_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization'])

export interface ForwardedFacts {
  method: string
  /** The original request target: path and query. */
  uri: string
  host: string
  scheme: string
  clientAddress: string
}

export interface ForwardedRequest {
  /** What the original request was, per the forwarded headers. */
  headers: Headers
  /** The method, URL and peer address of the forward-auth call itself. */
  method: string
  url: URL
  peer: string | undefined
}

const first = (value: string | null): string | undefined => {
  const trimmed = value?.split(',')[0]?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

/** The right-most X-Forwarded-For entry that is not itself a trusted proxy: the client the proxies saw. */
function clientFromForwardedFor(header: string | null, peer: string, trusted: TrustedProxies): string {
  const hops = (header ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '')
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.has(hops[i])) return hops[i]!
  }
  return hops[0] ?? peer
}

export function forwardedFacts(request: ForwardedRequest, trusted: TrustedProxies): ForwardedFacts {
  const peer = request.peer ?? ''
  const ownTarget = `${request.url.pathname}${request.url.search}`
  if (!trusted.has(request.peer)) {
    return {
      method: request.method,
      uri: ownTarget,
      host: request.url.host,
      scheme: request.url.protocol.replace(/:$/, ''),
      clientAddress: peer,
    }
  }
  const h = request.headers
  const originalUrl = h.get('x-original-url')
  const fromUrl =
    originalUrl === null ? undefined : URL.canParse(originalUrl) ? new URL(originalUrl) : undefined
  return {
    method: (
      first(h.get('x-forwarded-method')) ??
      first(h.get('x-original-method')) ??
      request.method
    ).toUpperCase(),
    uri:
      h.get('x-forwarded-uri') ??
      h.get('x-original-uri') ??
      (fromUrl === undefined ? ownTarget : `${fromUrl.pathname}${fromUrl.search}`),
    host: first(h.get('x-forwarded-host')) ?? fromUrl?.host ?? h.get('host') ?? request.url.host,
    scheme: (first(h.get('x-forwarded-proto')) ?? request.url.protocol.replace(/:$/, '')).toLowerCase(),
    clientAddress: clientFromForwardedFor(h.get('x-forwarded-for'), peer, trusted),
  }
}

export interface VerifiedFacts {
  time: string
  user?: Record<string, unknown> | undefined
  client?: ClientIdentity | undefined
}

/** The policy input: OPA-Envoy's shape for the original request, plus what Clearance verified. */
export function forwardAuthInput(
  facts: ForwardedFacts,
  headers: Headers,
  clientCertHeader: string,
  verified: VerifiedFacts,
): Record<string, unknown> {
  const passed: Record<string, string> = {}
  headers.forEach((value, name) => {
    if (!WITHHELD_HEADERS.has(name) && name !== clientCertHeader) passed[name] = value
  })
  const target = parseRequestTarget(facts.uri)
  const principal = verified.client?.principal
  return {
    attributes: {
      source: {
        address: { socketAddress: { address: facts.clientAddress } },
        ...(principal === undefined ? {} : { principal }),
      },
      request: {
        http: {
          method: facts.method,
          path: facts.uri,
          host: facts.host,
          scheme: facts.scheme,
          headers: passed,
        },
      },
    },
    parsed_path: target.segments,
    parsed_query: target.query,
    parsed_body: null,
    truncated_body: false,
    version: { ...EXT_AUTHZ_VERSION, forward_auth: 'v1' },
    verified: {
      time: verified.time,
      via: 'forward_auth',
      ...(verified.user === undefined ? {} : { user: verified.user }),
      ...(verified.client === undefined ? {} : { client: verified.client }),
    },
  }
}
