// ANY /v1/gateway/forward-auth — the endpoint nginx auth_request, Caddy forward_auth and Traefik ForwardAuth call
// as they are. 200 lets the request through, 401 asks for authentication (no verified identity, or a bearer token
// that failed verification), 403 denies; every answer carries X-Clearance-Decision-Id when a decision was made, and
// an allow carries the obligations (X-Clearance-Obligations, JSON) for the gateway to copy upstream. Anything that
// prevents a decision — a forged identity header from an address that is not a trusted proxy, an unreadable
// certificate header, no active bundle, an ill-shaped decision — is a 403 and one warning log line.
import type { IncomingMessage } from 'node:http'
import type { Context, Hono } from 'hono'
import type { Logger } from 'pino'
import type { Decider } from '../../../decision/index.js'
import { asVerdict, type Verdict } from '../../../decision/index.js'
import { ClearanceError, ErrorCodes, toClearanceError } from '../../../errors.js'
import { encodeJson, parseJson } from '../../../json/index.js'
import type { GatewayMetrics } from '../gateway-metrics.js'
import type { BearerVerifier } from './bearer-verifier.js'
import { type ClientIdentity, clientIdentityFromHeader } from './client-certificate.js'
import { forwardAuthInput, forwardedFacts } from './forwarded-request.js'
import { plainAddress, type TrustedProxies } from './trusted-proxies.js'

export const FORWARD_AUTH_ROUTE = '/v1/gateway/forward-auth'

export interface ForwardAuthDeps {
  decider: Decider
  log: Logger
  metrics: GatewayMetrics
  /** Decision path answering {allow, reasons, obligations}, e.g. "clearance/gateway/decision". */
  path: string
  trustedProxies: TrustedProxies
  /** Lower-case name of the header the proxy forwards the verified client certificate in. */
  clientCertHeader: string
  /** Undefined when no JWKS is configured: bearer tokens are then refused. */
  verifyBearer: BearerVerifier | undefined
  now?: () => Date
}

/** Non-ASCII characters as JSON \u escapes, so the text is a valid header value and still JSON. */
const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )

function peerOf(c: Context): string | undefined {
  const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress
  return address === undefined ? undefined : plainAddress(address)
}

class Refusal extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function registerForwardAuthRoute(app: Hono, deps: ForwardAuthDeps): void {
  const now = deps.now ?? (() => new Date())

  const refuse = (c: Context, refusal: Refusal, peer: string | undefined, decisionId?: string): Response => {
    deps.metrics.checked('forward_auth', refusal.status === 401 ? 'deny' : 'error')
    deps.log.warn(
      { peer, code: refusal.code, decision_id: decisionId },
      `forward-auth denied: ${refusal.message}`,
    )
    if (decisionId !== undefined) c.header('x-clearance-decision-id', decisionId)
    if (refusal.status === 401) c.header('www-authenticate', 'Bearer error="invalid_token"')
    return c.json(
      { allow: false, reasons: [{ code: refusal.code, message: refusal.message }], obligations: [] },
      refusal.status,
    )
  }

  const clientIdentity = (
    c: Context,
    trusted: boolean,
    peer: string | undefined,
  ): ClientIdentity | undefined => {
    const header = c.req.header(deps.clientCertHeader)
    if (header === undefined) return undefined
    if (!trusted) {
      throw new Refusal(
        403,
        'untrusted_proxy',
        `a ${deps.clientCertHeader} header came from ${peer ?? 'an unknown address'}, which is not a trusted proxy (--trusted-proxy); the identity it claims is not believed`,
      )
    }
    try {
      return clientIdentityFromHeader(header)
    } catch (thrown) {
      throw new Refusal(403, 'invalid_client_certificate', (thrown as Error).message)
    }
  }

  const user = async (c: Context): Promise<Record<string, unknown> | undefined> => {
    const header = c.req.header('authorization')
    if (header === undefined || header.trim() === '') return undefined
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null)
      throw new Refusal(401, 'invalid_token', 'the Authorization header is not a bearer token')
    if (deps.verifyBearer === undefined) {
      throw new Refusal(
        401,
        'invalid_token',
        'a bearer token was sent but no JWKS is configured (--jwks-file, --jwks-url)',
      )
    }
    try {
      return (await deps.verifyBearer(match[1]!)) as Record<string, unknown>
    } catch (thrown) {
      throw new Refusal(401, 'invalid_token', (thrown as Error).message)
    }
  }

  const answer = (c: Context, verdict: Verdict, decisionId: string, authenticated: boolean): Response => {
    c.header('x-clearance-decision-id', decisionId)
    c.header('x-clearance-reasons', verdict.reasons.map((reason) => reason.code).join(','))
    if (verdict.allow) {
      deps.metrics.checked('forward_auth', 'allow')
      c.header('x-clearance-obligations', asciiJson(verdict.obligations))
    } else {
      deps.metrics.checked('forward_auth', 'deny')
      if (!authenticated) c.header('www-authenticate', 'Bearer')
    }
    const status = verdict.allow ? 200 : authenticated ? 403 : 401
    return c.json({ decision_id: decisionId, ...verdict }, status)
  }

  app.all(FORWARD_AUTH_ROUTE, async (c) => {
    const peer = peerOf(c)
    let decisionId: string | undefined
    try {
      const trusted = deps.trustedProxies.has(peer)
      const client = clientIdentity(c, trusted, peer)
      const claims = await user(c)
      const facts = forwardedFacts(
        { headers: c.req.raw.headers, method: c.req.method, url: new URL(c.req.url), peer },
        deps.trustedProxies,
      )
      const input = forwardAuthInput(facts, c.req.raw.headers, deps.clientCertHeader, {
        time: now().toISOString(),
        user: claims,
        client,
      })
      const decision = await deps.decider.decide(deps.path, encodeJson(input), undefined, {
        requestedBy: peer,
      })
      decisionId = decision.decisionId
      if (!decision.outcome.defined) {
        throw new ClearanceError(
          ErrorCodes.evaluationError,
          `decision data.${deps.path.replaceAll('/', '.')} is undefined in the active bundles; denying`,
        )
      }
      const verdict = asVerdict(parseJson(decision.outcome.json), deps.path)
      return answer(c, verdict, decision.decisionId, claims !== undefined || client !== undefined)
    } catch (thrown) {
      if (thrown instanceof Refusal) return refuse(c, thrown, peer, decisionId)
      const error = toClearanceError(thrown, ErrorCodes.internalError)
      return refuse(c, new Refusal(403, error.code, error.message), peer, decisionId)
    }
  })
}
