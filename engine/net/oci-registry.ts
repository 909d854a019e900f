// The few calls of the OCI distribution API an OPA bundle needs, pulled and pushed: manifests by tag or digest,
// blobs by digest (checked against it), monolithic blob uploads. Authentication answers the registry's 401
// challenge: Bearer (the token flow: a token from the realm, anonymous or with basic credentials, cached per
// scope until it expires) or Basic; a static bearer token skips the flow. TLS with the configured CA; plain
// HTTP only for a loopback registry that does not speak TLS (as Docker allows) or when `plainHttp` says so.
//
// Written here rather than taken from npm: the maintained JavaScript clients are either pull-only and tied to
// Docker image manifests with their own HTTP stack (no CA or client-certificate settings, no bounded reads), or
// push-only internals of another tool; this one is ~250 lines on net/'s agents and bounded exchange.
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { DEFAULTS } from '../config/defaults.js'
import { ClearanceError, describeThrown, ErrorCodes } from '../errors.js'
import { type Agents, createAgents, type HttpCredentials } from './agents.js'
import { type ExchangeRequest, type ExchangeResponse, exchange, isTlsToPlainHttp } from './http-exchange.js'
import { isLoopbackRegistry, type OciReference } from './oci-reference.js'

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json'
/** The layer media type OPA's OCI downloader reads and its docs tell `oras push` to use for a bundle. */
export const OCI_BUNDLE_LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip'

export interface OciRegistryOptions {
  /** Basic credentials, sent to the registry (Basic challenge) or to its token service (Bearer challenge). */
  username?: string | undefined
  password?: string | undefined
  /** TLS settings (CA, client certificate) and a static bearer token that replaces the challenge flow. */
  credentials?: HttpCredentials | undefined
  /** Reach a registry that is not on a loopback address over plain HTTP. */
  plainHttp?: boolean | undefined
  /** One request, headers and body (default: the bundle download timeout). */
  timeoutMs?: number | undefined
  maxManifestBytes?: number | undefined
}

export interface ManifestResponse {
  status: number
  /** sha256 of the manifest bytes as received (checked against the reference when it is a digest). */
  digest: string
  mediaType: string
  body: Buffer
}

export interface OciRegistryClient {
  /** The manifest by tag or digest; a 404 or other non-200 status comes back as `status`, not thrown. */
  getManifest(ref: OciReference, signal?: AbortSignal): Promise<ManifestResponse>
  /** A blob, at most `maxBytes`, refused unless its sha256 is `digest`. */
  getBlob(ref: OciReference, digest: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer>
  hasBlob(ref: OciReference, digest: string): Promise<boolean>
  putBlob(ref: OciReference, bytes: Uint8Array): Promise<string>
  /** Stores a manifest under `tag` (or its digest); resolves with the manifest's digest. */
  putManifest(ref: OciReference, tag: string, manifest: Uint8Array, mediaType: string): Promise<string>
  /** Requests sent so far, token requests included. */
  requestCount(): number
  close(): void
}

export const sha256Digest = (bytes: Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

function registryError(message: string, cause?: unknown): ClearanceError {
  return new ClearanceError(ErrorCodes.bundleError, message, cause === undefined ? undefined : { cause })
}

interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(\S+)\s*(.*)$/.exec(header)
  if (match === null) return undefined
  const params: Record<string, string> = {}
  for (const param of match[2]!.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[param[1]!.toLowerCase()] = param[2] ?? param[3] ?? ''
  }
  return { scheme: match[1]!.toLowerCase(), params }
}

const headerText = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

export function createOciRegistryClient(options: OciRegistryOptions = {}): OciRegistryClient {
  const credentials = options.credentials ?? {}
  const timeoutMs = options.timeoutMs ?? DEFAULTS.bundleTimeoutMs
  const maxManifestBytes = options.maxManifestBytes ?? DEFAULTS.oci.maxManifestBytes
  const agents: Agents = createAgents(credentials, 2)
  const basic =
    options.username === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`
  const staticBearer =
    credentials.bearerToken === undefined
      ? undefined
      : `${credentials.bearerScheme ?? 'Bearer'} ${credentials.bearerToken}`
  /** Authorization per registry + scope, with its expiry. */
  const tokens = new Map<string, { header: string; expiresAt: number }>()
  /** Loopback registries found to speak plain HTTP. */
  const plainRegistries = new Set<string>()
  let requests = 0

  const base = (ref: OciReference): string => {
    const plain = options.plainHttp === true || plainRegistries.has(ref.registry)
    return `${plain ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`
  }

  const send = async (ref: OciReference, given: ExchangeRequest): Promise<ExchangeResponse> => {
    requests++
    const request =
      plainRegistries.has(ref.registry) && given.url.startsWith(`https://${ref.registry}/`)
        ? { ...given, url: `http:${given.url.slice('https:'.length)}` }
        : given
    try {
      return await exchange(agents, request)
    } catch (thrown) {
      // Docker's rule for loopback registries: TLS first, plain HTTP when the registry does not speak TLS.
      if (
        options.plainHttp !== true &&
        !plainRegistries.has(ref.registry) &&
        isLoopbackRegistry(ref) &&
        request.url.startsWith('https:') &&
        isTlsToPlainHttp(thrown)
      ) {
        plainRegistries.add(ref.registry)
        requests++
        return exchange(agents, { ...request, url: `http:${request.url.slice('https:'.length)}` })
      }
      throw thrown
    }
  }

  const fetchToken = async (ref: OciReference, key: string, challenge: Challenge): Promise<string> => {
    const realm = challenge.params.realm
    if (realm === undefined) throw registryError('the registry asked for a bearer token without a realm')
    const url = new URL(realm)
    if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service)
    if (challenge.params.scope !== undefined) url.searchParams.set('scope', challenge.params.scope)
    const response = await send(ref, {
      method: 'GET',
      url: url.href,
      headers: basic === undefined ? {} : { authorization: basic },
      maxBytes: 1024 * 1024,
      timeoutMs,
      what: 'token response',
    })
    if (response.status !== 200) {
      throw registryError(`the registry's token service refused (${response.status}) at ${url.origin}`)
    }
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown }
    try {
      parsed = JSON.parse(response.body.toString('utf8')) as typeof parsed
    } catch (thrown) {
      throw registryError(`the token service answered no JSON: ${describeThrown(thrown)}`)
    }
    const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token
    if (typeof token !== 'string' || token === '') throw registryError('the token service answered no token')
    // Docker's default lifetime is 60 s; renew a little early.
    const lifetimeS = typeof parsed.expires_in === 'number' ? parsed.expires_in : 60
    const header = `Bearer ${token}`
    tokens.set(key, {
      header,
      expiresAt: Date.now() + Math.max(0, lifetimeS - 5) * 1000,
    })
    return header
  }

  /** Sends with the cached authorization for `scope`; on a 401 answers the challenge once and retries. */
  const authorized = async (
    ref: OciReference,
    scope: string,
    request: Omit<ExchangeRequest, 'timeoutMs'>,
  ): Promise<ExchangeResponse> => {
    const key = `${ref.registry} ${scope}`
    const cached = tokens.get(key)
    const authorization =
      staticBearer ?? (cached !== undefined && cached.expiresAt > Date.now() ? cached.header : undefined)
    const withAuth = (header: string | undefined): ExchangeRequest => ({
      ...request,
      timeoutMs,
      headers: { ...request.headers, ...(header === undefined ? {} : { authorization: header }) },
    })
    const first = await send(ref, withAuth(authorization))
    if (first.status !== 401 || staticBearer !== undefined) return first
    const challenge = parseChallenge(headerText(first.headers, 'www-authenticate'))
    if (challenge?.scheme === 'bearer') {
      const header = await fetchToken(ref, key, {
        ...challenge,
        params: { ...challenge.params, scope: challenge.params.scope ?? scope },
      })
      return send(ref, withAuth(header))
    }
    if (challenge?.scheme === 'basic' && basic !== undefined && authorization !== basic) {
      tokens.set(key, { header: basic, expiresAt: Number.POSITIVE_INFINITY })
      return send(ref, withAuth(basic))
    }
    return first
  }

  const pullScope = (ref: OciReference): string => `repository:${ref.repository}:pull`
  const pushScope = (ref: OciReference): string => `repository:${ref.repository}:pull,push`

  const refused = (what: string, response: ExchangeResponse): ClearanceError => {
    const detail = response.body.toString('utf8', 0, Math.min(response.body.byteLength, 300)).trim()
    return registryError(`registry refused ${what} (${response.status})${detail === '' ? '' : `: ${detail}`}`)
  }

  return {
    async getManifest(ref, signal) {
      const response = await authorized(ref, pullScope(ref), {
        method: 'GET',
        url: `${base(ref)}/manifests/${ref.reference}`,
        headers: { accept: OCI_MANIFEST_MEDIA_TYPE },
        maxBytes: maxManifestBytes,
        signal,
        what: 'manifest',
      })
      const digest = sha256Digest(response.body)
      if (response.status === 200 && ref.pinned && digest !== ref.reference) {
        throw registryError(`manifest digest ${digest} does not match the reference ${ref.reference}`)
      }
      const contentType = headerText(response.headers, 'content-type') ?? ''
      return {
        status: response.status,
        digest,
        mediaType: contentType.split(';')[0]!.trim(),
        body: response.body,
      }
    },
    async getBlob(ref, digest, maxBytes, signal) {
      const response = await authorized(ref, pullScope(ref), {
        method: 'GET',
        url: `${base(ref)}/blobs/${digest}`,
        maxBytes,
        signal,
        what: `layer ${digest}`,
      })
      if (response.status !== 200) throw refused(`layer ${digest}`, response)
      const actual = sha256Digest(response.body)
      if (actual !== digest) throw registryError(`layer digest mismatch: expected ${digest}, got ${actual}`)
      return response.body
    },
    async hasBlob(ref, digest) {
      const response = await authorized(ref, pushScope(ref), {
        method: 'HEAD',
        url: `${base(ref)}/blobs/${digest}`,
        maxBytes: 0,
      })
      return response.status === 200
    },
    async putBlob(ref, bytes) {
      const digest = sha256Digest(bytes)
      const started = await authorized(ref, pushScope(ref), {
        method: 'POST',
        url: `${base(ref)}/blobs/uploads/`,
        body: new Uint8Array(0),
        maxBytes: 64 * 1024,
      })
      const location = headerText(started.headers, 'location')
      if (started.status !== 202 || location === undefined) throw refused('the blob upload', started)
      const target = new URL(location, started.url)
      target.searchParams.set('digest', digest)
      const done = await authorized(ref, pushScope(ref), {
        method: 'PUT',
        url: target.href,
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
        maxBytes: 64 * 1024,
      })
      if (done.status !== 201) throw refused(`blob ${digest}`, done)
      return digest
    },
    async putManifest(ref, tag, manifest, mediaType) {
      const response = await authorized(ref, pushScope(ref), {
        method: 'PUT',
        url: `${base(ref)}/manifests/${tag}`,
        headers: { 'content-type': mediaType },
        body: manifest,
        maxBytes: 64 * 1024,
      })
      if (response.status !== 201) throw refused(`manifest ${tag}`, response)
      return sha256Digest(manifest)
    },
    requestCount: () => requests,
    close() {
      agents.destroy()
    },
  }
}
