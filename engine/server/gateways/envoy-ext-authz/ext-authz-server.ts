// `clearance serve --envoy-grpc-addr`: Envoy's ext_authz gRPC service (envoy.service.auth.v3.Authorization/Check)
// and grpc.health.v1, on @grpc/grpc-js. Every request is evaluated at one decision path (OPA's plugin default
// envoy/authz/allow) with the input that plugin builds; anything that goes wrong on the way — a message that does
// not decode, one over the size limits, missing attributes, no active bundle, an undefined or ill-shaped decision —
// is answered with a deny and one warning log line saying why. --envoy-dry-run answers OK whatever the policy says,
// logging and counting the deny it would have sent.
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js'
import { HealthImplementation } from 'grpc-health-check'
import type { Logger } from 'pino'
import type { Decider } from '../../../decision/index.js'
import { ClearanceError, ErrorCodes, toClearanceError } from '../../../errors.js'
import type { JsonShapeLimits } from '../../../json/index.js'
import { encodeJson, parseJson } from '../../../json/index.js'
import type { GatewayMetrics } from '../gateway-metrics.js'
import { checkRequestInput } from './check-input.js'
import {
  type CheckResponseMessage,
  checkResponse,
  failClosedResponse,
  protoStruct,
  RPC_OK,
} from './check-response.js'
import { CHECK_METHOD_PATH, checkMethod, envoyAuthPackage } from './envoy-protos.js'

export interface ExtAuthzOptions {
  /** "host:port" to listen on. */
  addr: string
  /** Decision path, e.g. "envoy/authz/allow". */
  path: string
  dryRun: boolean
  /** Largest CheckRequest accepted, in bytes. */
  maxRequestBytes: number
  maxHeaderBytes: number
  json: JsonShapeLimits
  /** The `payload_in_metadata` name of Envoy's jwt_authn filter, read into input.verified.user. */
  jwtPayloadKey: string
  /** Serve gRPC over TLS with the server's certificate; with `requireClientCert`, Envoy must present one from `ca`. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer | undefined; requireClientCert: boolean } | undefined
}

export interface ExtAuthzDeps {
  decider: Decider
  log: Logger
  metrics: GatewayMetrics
  /** Why decisions cannot be made yet (health answers NOT_SERVING meanwhile); undefined when ready. */
  notReady(): string | undefined
  now?: () => Date
}

export interface ExtAuthzServer {
  /** "host:port" actually bound (port 0 resolved). */
  addr: string
  close(): Promise<void>
}

/** A request that could not be decoded or was too large: carried to the handler so it is denied there, with a log. */
class RejectedRequest {
  constructor(readonly reason: string) {}
}

const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization'
const HEALTH_POLL_MS = 1000

function validHttpCodes(): ReadonlySet<number> {
  const definition = envoyAuthPackage()['envoy.type.v3.StatusCode'] as
    | { type?: { value?: { number: number }[] } }
    | undefined
  return new Set((definition?.type?.value ?? []).map((value) => value.number).filter((n) => n > 0))
}

function serviceDefinition(maxRequestBytes: number): ServiceDefinition {
  const method = checkMethod()
  return {
    Check: {
      ...method,
      path: CHECK_METHOD_PATH,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.length > maxRequestBytes) {
          return new RejectedRequest(
            `CheckRequest of ${bytes.length} bytes is over the limit of ${maxRequestBytes}`,
          )
        }
        try {
          return method.requestDeserialize(bytes)
        } catch (thrown) {
          return new RejectedRequest(`CheckRequest does not decode: ${(thrown as Error).message}`)
        }
      },
    },
  } as unknown as ServiceDefinition
}

function credentialsFor(tls: ExtAuthzOptions['tls']): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure()
  return ServerCredentials.createSsl(
    tls.ca ?? null,
    [{ cert_chain: tls.cert, private_key: tls.key }],
    tls.requireClientCert && tls.ca !== undefined,
  )
}

export function parseGrpcAddr(addr: string): string {
  return addr.startsWith(':') ? `0.0.0.0${addr}` : addr
}

export async function startExtAuthzServer(
  options: ExtAuthzOptions,
  deps: ExtAuthzDeps,
): Promise<ExtAuthzServer> {
  const httpCodes = validHttpCodes()
  const now = deps.now ?? (() => new Date())
  const inputOptions = {
    json: options.json,
    maxHeaderBytes: options.maxHeaderBytes,
    jwtPayloadKey: options.jwtPayloadKey,
    now,
  }

  const decide = async (request: unknown, peer: string): Promise<CheckResponseMessage> => {
    let decisionId: string | undefined
    try {
      if (request instanceof RejectedRequest)
        throw new ClearanceError(ErrorCodes.invalidParameter, request.reason)
      const input = checkRequestInput(request as Record<string, unknown>, inputOptions)
      const decision = await deps.decider.decide(options.path, encodeJson(input), undefined, {
        requestedBy: peer,
      })
      decisionId = decision.decisionId
      if (!decision.outcome.defined) {
        throw new ClearanceError(
          ErrorCodes.evaluationError,
          `decision data.${options.path.replaceAll('/', '.')} is undefined in the active bundles; denying`,
        )
      }
      const response = checkResponse(parseJson(decision.outcome.json), decision.decisionId, httpCodes)
      deps.metrics.checked('envoy_ext_authz', response.status.code === RPC_OK ? 'allow' : 'deny')
      return response
    } catch (thrown) {
      const error = toClearanceError(thrown, ErrorCodes.internalError)
      deps.metrics.checked('envoy_ext_authz', 'error')
      deps.log.warn(
        { code: error.code, peer, decision_id: decisionId },
        `ext_authz check denied: ${error.message}`,
      )
      return failClosedResponse(error.message, decisionId)
    }
  }

  const handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    const peer = call.getPeer()
    void decide(call.request, peer).then((response) => {
      if (options.dryRun && response.status.code !== RPC_OK) {
        deps.metrics.checked('envoy_ext_authz', 'dry_run_deny')
        deps.log.info({ peer, would_answer: response }, 'ext_authz dry run: answering OK instead of a deny')
        const metadata = response.dynamicMetadata ?? protoStruct({})
        callback(null, { status: { code: RPC_OK }, okResponse: {}, dynamicMetadata: metadata })
        return
      }
      callback(null, response)
    })
  }

  const server = new Server({
    // the real limit is enforced in requestDeserialize, where an oversized request can be denied with a log line
    'grpc.max_receive_message_length': options.maxRequestBytes + 1024 * 1024,
  })
  server.addService(serviceDefinition(options.maxRequestBytes), { Check: handler })
  const health = new HealthImplementation({ '': 'NOT_SERVING', [AUTHORIZATION_SERVICE]: 'NOT_SERVING' })
  health.addToServer(server)
  const updateHealth = (): void => {
    const status = deps.notReady() === undefined ? 'SERVING' : 'NOT_SERVING'
    health.setStatus('', status)
    health.setStatus(AUTHORIZATION_SERVICE, status)
  }
  updateHealth()
  const healthTimer = setInterval(updateHealth, HEALTH_POLL_MS)
  healthTimer.unref()

  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(parseGrpcAddr(options.addr), credentialsFor(options.tls), (error, port) =>
      error === null ? resolve(port) : reject(error),
    )
  })
  const host = parseGrpcAddr(options.addr).replace(/:\d+$/, '')
  return {
    addr: `${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(healthTimer)
        server.tryShutdown(() => resolve())
        // calls in flight get a short grace period, then the rest are cut
        setTimeout(() => server.forceShutdown(), 2000).unref()
      }),
  }
}
