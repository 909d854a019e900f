// Clearance as a @grpc/grpc-js server interceptor: `new Server({ interceptors: [clearanceGrpc({ service,
// authorizer })] })`. Each call is decided when its metadata arrives, before any message reaches the handler: the
// operation is the method's path (`/payments.v1.Payments/Charge` → rpc `payments.v1.Payments/Charge`), the caller
// the SPIFFE ID of the verified client certificate (or `identity.header` from metadata, set by a trusted sidecar).
// A denial ends the call with PERMISSION_DENIED, UNAUTHENTICATED, or UNAVAILABLE when no decision could be made;
// an allow goes on with its obligations readable by the handler (`grpcClearanceOf(call)`) and each response message
// masked per mask_fields. @grpc/grpc-js is loaded only when an interceptor is created (or passed as `grpc`).
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import type { PeerCertificate } from 'node:tls'
import type { RequestFacts } from './decision-input.js'
import { maskFields } from './mask-fields.js'
import { spiffeIdOf } from './peer-identity.js'
import { type Authorization, createRequestGuard, type GuardOptions } from './request-guard.js'

/** gRPC status codes (grpc.status) the interceptor answers with. */
const PERMISSION_DENIED = 7
const UNAVAILABLE = 14
const UNAUTHENTICATED = 16

/** The parts of @grpc/grpc-js's Metadata the interceptor reads. */
interface MetadataLike {
  get(key: string): Array<string | Buffer>
  set(key: string, value: string): void
}

/** The parts of a ServerInterceptingCallInterface the interceptor uses. */
interface InterceptedCallLike {
  sendStatus(status: { code: number; details: string; metadata?: unknown }): void
  getAuthContext?(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate }
  getConnectionInfo?(): { remoteAddress?: string | undefined }
  getPeer(): string
}

// biome-ignore lint/suspicious/noExplicitAny: @grpc/grpc-js's own classes, matched structurally
type AnyConstructor = new (...args: any[]) => any

interface GrpcModuleLike {
  /** @grpc/grpc-js's ServerInterceptingCall. */
  ServerInterceptingCall: AnyConstructor
  /** @grpc/grpc-js's Metadata. */
  Metadata: AnyConstructor
}

export interface GrpcGuardOptions extends Omit<GuardOptions, 'operation' | 'routes' | 'maskResponses'> {
  /** The @grpc/grpc-js module (default: the one this package resolves). */
  grpc?: GrpcModuleLike | undefined
  /** Redact mask_fields from response messages (default true). */
  maskResponses?: boolean | undefined
}

/** A @grpc/grpc-js ServerInterceptor. */
// biome-ignore lint/suspicious/noExplicitAny: the shapes are @grpc/grpc-js's own; typed there
export type ClearanceGrpcInterceptor = (methodDescriptor: { path: string }, call: any) => any

const decisions = new WeakMap<object, Authorization>()

/** The authorization of an allowed call, from the handler: `grpcClearanceOf(call)` (its metadata carries it). */
export function grpcClearanceOf(call: { metadata: object }): Authorization | undefined {
  return decisions.get(call.metadata)
}

function firstString(metadata: MetadataLike, name: string): string | undefined {
  const value = metadata.get(name.toLowerCase())[0]
  return value === undefined ? undefined : typeof value === 'string' ? value : value.toString('utf8')
}

/** "ipv4:10.0.0.7:5123" / "ipv6:[::1]:5123" → the address. */
function peerAddress(peer: string): string | undefined {
  const match = /^(?:ipv4:|ipv6:)?\[?([^\]]+?)\]?:\d+$/.exec(peer)
  return match?.[1]
}

function factsOf(path: string, metadata: MetadataLike, call: InterceptedCallLike): RequestFacts {
  const auth = call.getAuthContext?.() ?? {}
  const certificate = auth.sslPeerCertificate
  return {
    method: 'POST',
    route: undefined,
    path,
    header: (name) => firstString(metadata, name),
    socket: undefined,
    // grpc-js reports an auth context only for TLS connections whose client certificate chained to the CA.
    tls: auth.transportSecurityType === 'ssl',
    peer:
      certificate?.raw === undefined
        ? undefined
        : {
            spiffeId: spiffeIdOf(certificate.subjectaltname),
            fingerprint: `sha256:${createHash('sha256').update(certificate.raw).digest('hex')}`,
            verified: true,
          },
    remoteAddress: call.getConnectionInfo?.().remoteAddress ?? peerAddress(call.getPeer()),
  }
}

export function clearanceGrpc(options: GrpcGuardOptions): ClearanceGrpcInterceptor {
  const grpc = options.grpc ?? (createRequire(import.meta.url)('@grpc/grpc-js') as GrpcModuleLike)
  const guard = createRequestGuard({ ...options, operation: 'grpc', maskResponses: false })
  const maskResponses = options.maskResponses ?? true
  return (methodDescriptor, call: InterceptedCallLike) => {
    let fields: string[] = []
    return new grpc.ServerInterceptingCall(call, {
      start(next: (listener: unknown) => void) {
        next({
          onReceiveMetadata(metadata: MetadataLike, proceed: (metadata: MetadataLike) => void) {
            guard(factsOf(methodDescriptor.path, metadata, call)).then(
              (result) => {
                if (!result.allowed) {
                  const trailers = new grpc.Metadata()
                  for (const [name, value] of Object.entries(result.headers)) trailers.set(name, value)
                  if (result.body.decision_id !== undefined)
                    trailers.set('x-clearance-decision-id', result.body.decision_id)
                  call.sendStatus({
                    code:
                      result.status === 503
                        ? UNAVAILABLE
                        : result.status === 401
                          ? UNAUTHENTICATED
                          : PERMISSION_DENIED,
                    details:
                      result.body.reasons === undefined
                        ? result.body.message
                        : `${result.body.message}: ${result.body.reasons.map((r) => r.code).join(', ')}`,
                    metadata: trailers,
                  })
                  return
                }
                decisions.set(metadata, result.authorization)
                if (maskResponses) fields = result.authorization.maskFields
                proceed(metadata)
              },
              () => call.sendStatus({ code: UNAVAILABLE, details: 'no policy decision could be made' }),
            )
          },
        })
      },
      sendMessage(message: unknown, next: (message: unknown) => void) {
        next(fields.length === 0 ? message : maskFields(message, fields))
      },
    })
  }
}
