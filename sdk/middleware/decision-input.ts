// Builds the decision input (policies/schema/input.schema.json) from what a service's HTTP server knows about a
// request: the caller's identity (the mutual-TLS client certificate, or a header a trusted proxy sets after
// verifying it), the connection, the operation (method and the route template the router matched, or a gRPC
// method), the service it is (configured) and the time. Framework adapters supply the request facts.
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { isTlsSocket, type PeerIdentity, peerIdentity } from './peer-identity.js'
import { catalogTemplate, createRouteMatcher } from './route-template.js'

export interface ServiceSubject {
  type: 'service'
  spiffe_id?: string
  cert_fingerprint?: string
  authenticated: boolean
}

export interface UserSubject {
  type: 'user'
  id?: string
  roles?: string[]
  authenticated: boolean
}

export interface Connection {
  tls: boolean
  mtls: boolean
  via_gateway: boolean
  gateway_id?: string
  source_ip: string
}

export type Operation = { method: string; path: string } | { rpc: string }

export interface Resource {
  classification: 'public' | 'internal' | 'confidential' | 'restricted'
  tags?: string[]
}

export interface DecisionInput {
  subject: ServiceSubject | UserSubject
  connection: Connection
  target: { service: string; operation: Operation }
  resource?: Resource
  purpose?: string
  time: string
  context?: Record<string, unknown>
}

/** What the framework adapter knows about one request. */
export interface RequestFacts {
  method: string
  /** The route template the router matched ("/orders/:id"); undefined when it cannot say. */
  route: string | undefined
  /** The URL path as received, without the query. */
  path: string
  header(name: string): string | undefined
  /** The request's socket; undefined when there is none (in-memory test requests, gRPC calls). */
  socket: Socket | TLSSocket | undefined
  /** The caller's certificate identity when the transport read it (gRPC); otherwise read from `socket`. */
  peer?: PeerIdentity | undefined
  /** Whether the connection is TLS, when there is no socket to ask. */
  tls?: boolean | undefined
  /** The caller's address, when there is no socket to ask. */
  remoteAddress?: string | undefined
}

export interface InputOptions {
  /** This service's catalog name: the decision's target. */
  service: string
  identity?:
    | {
        /** Take the caller's identity from the mutual-TLS client certificate (default true). */
        certificate?: boolean | undefined
        /**
         * A header holding the caller's SPIFFE ID or sha256 fingerprint, set by a proxy or sidecar in front of the
         * service after it verified the caller's certificate. Only configure it when nothing else can reach the
         * service: anyone who can send the header can claim any identity. Used when no certificate was presented.
         */
        header?: string | undefined
        /** What that proxy verified on the caller's connection (default: TLS and mutual TLS). */
        headerConnection?: { tls: boolean; mtls: boolean } | undefined
      }
    | undefined
  /** HTTP routes (method + route template, the default), gRPC methods (path /pkg.Service/Method), or your own. */
  operation?: 'http' | 'grpc' | ((facts: RequestFacts) => Operation) | undefined
  /** Route templates to match raw paths against when the router does not say which route matched. */
  routes?: readonly string[] | undefined
  /** Header carrying the caller's declared purpose (default x-clearance-purpose); false: never sent. */
  purposeHeader?: string | false | undefined
  /** Header whose value goes to context.request_id (default x-request-id). */
  requestIdHeader?: string | undefined
  /** The subject, when the caller is not a workload identified by its certificate (e.g. a user behind a gateway). */
  subject?: ((facts: RequestFacts) => ServiceSubject | UserSubject | undefined) | undefined
  /** What this request touches, when the service knows more than the catalog. */
  resource?: ((facts: RequestFacts) => Resource | undefined) | undefined
  /** Overrides of the connection facts (e.g. via_gateway and gateway_id behind the edge gateway). */
  connection?: ((facts: RequestFacts) => Partial<Connection>) | undefined
  /** Clock in ms (tests). */
  now?: (() => number) | undefined
}

export type InputBuilder = (facts: RequestFacts) => DecisionInput

const IDENTITY = /^(spiffe:\/\/|sha256:)/

/** "::ffff:10.0.0.1" → "10.0.0.1": the management allow-list holds plain IPv4 addresses. */
function sourceIp(address: string | undefined): string {
  if (address === undefined) return '0.0.0.0'
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address
}

function serviceSubject(identity: string, authenticated: boolean): ServiceSubject {
  return identity.startsWith('spiffe://')
    ? { type: 'service', spiffe_id: identity, authenticated }
    : { type: 'service', cert_fingerprint: identity, authenticated }
}

export function createInputBuilder(options: InputOptions): InputBuilder {
  const { service } = options
  const fromCertificate = options.identity?.certificate ?? true
  const identityHeader = options.identity?.header?.toLowerCase()
  const headerConnection = options.identity?.headerConnection ?? { tls: true, mtls: true }
  const purposeHeader =
    options.purposeHeader === false ? undefined : (options.purposeHeader ?? 'x-clearance-purpose')
  const requestIdHeader = options.requestIdHeader ?? 'x-request-id'
  const matcher = options.routes === undefined ? undefined : createRouteMatcher(options.routes)
  const now = options.now ?? Date.now

  const operationOf =
    typeof options.operation === 'function'
      ? options.operation
      : options.operation === 'grpc'
        ? (facts: RequestFacts): Operation => ({ rpc: facts.path.replace(/^\/+/, '') })
        : (facts: RequestFacts): Operation => ({
            method: facts.method.toUpperCase(),
            path:
              facts.route === undefined
                ? (matcher?.match(facts.path) ?? facts.path)
                : catalogTemplate(facts.route),
          })

  return (facts) => {
    const tls = facts.tls ?? isTlsSocket(facts.socket)
    const peer = fromCertificate ? (facts.peer ?? peerIdentity(facts.socket)) : undefined
    const headerIdentity = identityHeader === undefined ? undefined : facts.header(identityHeader)?.trim()
    let subject: ServiceSubject | UserSubject | undefined = options.subject?.(facts)
    let connection: Connection = {
      tls,
      mtls: tls && peer?.verified === true,
      via_gateway: false,
      source_ip: sourceIp(facts.remoteAddress ?? facts.socket?.remoteAddress),
    }
    if (subject === undefined && peer !== undefined) {
      // One identity only: a fingerprint next to a SPIFFE ID would have to be catalogued for the same service.
      subject = serviceSubject(peer.spiffeId ?? peer.fingerprint, peer.verified)
    } else if (subject === undefined && headerIdentity !== undefined && IDENTITY.test(headerIdentity)) {
      subject = serviceSubject(headerIdentity, true)
      connection = {
        ...connection,
        tls: headerConnection.tls,
        mtls: headerConnection.tls && headerConnection.mtls,
      }
    }
    if (options.connection !== undefined) connection = { ...connection, ...options.connection(facts) }
    const input: DecisionInput = {
      // No identity at all: an anonymous caller, which the policy denies unless the operation is public.
      subject: subject ?? { type: 'user', authenticated: false },
      connection,
      target: { service, operation: operationOf(facts) },
      time: new Date(now()).toISOString(),
    }
    const resource = options.resource?.(facts)
    if (resource !== undefined) input.resource = resource
    const purpose = purposeHeader === undefined ? undefined : facts.header(purposeHeader)
    if (purpose !== undefined && purpose !== '') input.purpose = purpose
    const requestId = facts.header(requestIdHeader)
    if (requestId !== undefined) input.context = { request_id: requestId }
    return input
  }
}
