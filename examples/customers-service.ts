// Example: the customers service over gRPC (@grpc/grpc-js), asking Clearance over HTTP through the SDK's server
// interceptor. customers.v1.Customers/Get answers a customer record; the interceptor decides each call from its
// method and the caller's identity (the SPIFFE ID of its verified client certificate when served with mTLS, or the
// sidecar's x-spiffe-id metadata on plain connections), and masks the fields the policy names (email, phone,
// birth_date for callers without PII clearance). Messages are JSON here, so the example needs no .proto build step.
//
//   npx tsx examples/customers-service.ts   (PORT, default 8303; CLEARANCE_URL, default http://127.0.0.1:8181)
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import { clearanceGrpc, createClient, grpcClearanceOf } from '../sdk/index.js'
import { type AuditSink, auditRecord, IDENTITY_HEADER, type RunningService } from './mesh.js'

export interface Customer {
  id: string
  name: string
  email: string
  phone: string
  birth_date: string
  tier: string
}

const json = {
  serialize: (value: unknown): Buffer => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8')),
}

/** customers.v1.Customers with JSON messages. */
export const CUSTOMERS_SERVICE: grpc.ServiceDefinition = {
  Get: {
    path: '/customers.v1.Customers/Get',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
}

/** A client for the service: `new CustomersClient(address, credentials)`. */
export const CustomersClient = grpc.makeGenericClientConstructor(CUSTOMERS_SERVICE, 'Customers')

export interface CustomersServiceOptions {
  /** Clearance's URL. */
  clearanceUrl: string
  port?: number | undefined
  host?: string | undefined
  /** Serve with mutual TLS: the caller's identity is its certificate's SPIFFE ID. */
  tls?: { ca: string; cert: string; key: string } | undefined
  audit?: AuditSink | undefined
}

const CUSTOMERS: Record<string, Customer> = {
  c1: {
    id: 'c1',
    name: 'Carol',
    email: 'carol@example.net',
    phone: '+1 555 0100',
    birth_date: '1990-04-01',
    tier: 'gold',
  },
}

export async function startCustomersService(options: CustomersServiceOptions): Promise<RunningService> {
  const clearance = createClient({ url: options.clearanceUrl, timeoutMs: 250, retries: 1 })
  const audit = options.audit ?? ((record) => console.log(JSON.stringify(record)))
  const server = new grpc.Server({
    interceptors: [
      clearanceGrpc({
        service: 'customers',
        authorizer: clearance,
        // Without mTLS, the mesh sidecar passes the verified SPIFFE ID on. See examples/README.md.
        identity: options.tls === undefined ? { header: IDENTITY_HEADER } : undefined,
        onDecision: (authorization) => {
          if (authorization.audit) audit(auditRecord('customers', authorization))
        },
      }),
    ],
  })
  server.addService(CUSTOMERS_SERVICE, {
    Get: (
      call: grpc.ServerUnaryCall<{ id?: string }, unknown>,
      callback: grpc.sendUnaryData<Customer & { audited: boolean }>,
    ) => {
      const customer = CUSTOMERS[call.request.id ?? '']
      if (customer === undefined) {
        callback({ code: grpc.status.NOT_FOUND, details: 'no such customer' })
        return
      }
      callback(null, { ...customer, audited: grpcClearanceOf(call)?.audit ?? false })
    },
  })
  const credentials =
    options.tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(
          Buffer.from(options.tls.ca),
          [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
          true,
        )
  const host = options.host ?? '127.0.0.1'
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, credentials, (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  )
  return {
    url: `${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  }
}

async function main(): Promise<void> {
  const service = await startCustomersService({
    clearanceUrl: process.env.CLEARANCE_URL ?? 'http://127.0.0.1:8181',
    port: Number(process.env.PORT ?? 8303),
  })
  console.error(`customers service (gRPC) listening on http://${service.url}`)
  const stop = () => void service.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
