// A client that sends what Envoy's ext_authz filter sends: CheckRequest messages encoded with Envoy's own protos
// (the ones the server loads), over gRPC to Authorization/Check. Also raw bytes, for malformed-message tests.
import {
  type ChannelCredentials,
  type Client,
  credentials,
  Client as GrpcClient,
  type ServiceError,
} from '@grpc/grpc-js'
import { CHECK_METHOD_PATH, checkMethod } from '../../engine/server/gateways/envoy-ext-authz/index.js'

export type Json = Record<string, unknown>

export interface EnvoyClient {
  check(request: Json): Promise<Json>
  /** Sends `bytes` as the request message, unencoded. */
  checkRaw(bytes: Buffer): Promise<Json>
  close(): void
}

export function envoyClient(
  addr: string,
  channel: ChannelCredentials = credentials.createInsecure(),
): EnvoyClient {
  const client: Client = new GrpcClient(addr, channel)
  const method = checkMethod()
  const call = <T>(arg: T, serialize: (value: T) => Buffer): Promise<Json> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        CHECK_METHOD_PATH,
        serialize,
        (bytes: Buffer) => method.responseDeserialize(bytes) as Json,
        arg,
        (error: ServiceError | null, response?: Json) =>
          error === null && response !== undefined ? resolve(response) : reject(error),
      )
    })
  return {
    check: (request) => call(request, (value) => method.requestSerialize(value)),
    checkRaw: (bytes) => call(bytes, (value) => value),
    close: () => client.close(),
  }
}

/** The CheckRequest Envoy sends for one HTTP request (the fields its ext_authz filter fills). */
export function httpCheckRequest(http: {
  method: string
  path: string
  host?: string
  headers?: Record<string, string>
  body?: string
  sourceAddress?: string
  sourcePrincipal?: string
  destinationPrincipal?: string
  metadata?: Json
}): Json {
  const host = http.host ?? 'example.com'
  return {
    attributes: {
      source: {
        address: { socketAddress: { address: http.sourceAddress ?? '10.0.0.7', portValue: 51234 } },
        ...(http.sourcePrincipal === undefined ? {} : { principal: http.sourcePrincipal }),
      },
      destination: {
        address: { socketAddress: { address: '10.0.0.9', portValue: 8080 } },
        ...(http.destinationPrincipal === undefined ? {} : { principal: http.destinationPrincipal }),
      },
      request: {
        time: { seconds: '1748779200', nanos: 722473000 },
        http: {
          id: '13519049518330544501',
          method: http.method,
          path: http.path,
          host,
          scheme: 'https',
          protocol: 'HTTP/1.1',
          headers: { ':authority': host, ':method': http.method, ':path': http.path, ...http.headers },
          ...(http.body === undefined ? {} : { body: http.body, size: String(Buffer.byteLength(http.body)) }),
        },
      },
      ...(http.metadata === undefined ? {} : { metadataContext: http.metadata }),
    },
  }
}

/** google.protobuf.Struct (as proto-loader decodes it) → JSON. */
export function structJson(struct: unknown): Json {
  const out: Json = {}
  const fields = (struct as { fields?: Record<string, Json> } | undefined)?.fields ?? {}
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      'stringValue' in value
        ? value.stringValue
        : 'numberValue' in value
          ? value.numberValue
          : 'boolValue' in value
            ? value.boolValue
            : 'structValue' in value
              ? structJson(value.structValue)
              : 'listValue' in value
                ? ((value.listValue as { values?: Json[] }).values ?? []).map(
                    (item) => structJson({ fields: { v: item } }).v,
                  )
                : null
  }
  return out
}
