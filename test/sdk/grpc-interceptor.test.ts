// The @grpc/grpc-js server interceptor on a real gRPC server over mutual TLS on 127.0.0.1: the method becomes the
// operation, the verified client certificate's SPIFFE ID the subject; denials end the call before the handler,
// response messages are masked, and each decision is an OpenTelemetry span.
import * as grpc from '@grpc/grpc-js'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CUSTOMERS_SERVICE, CustomersClient } from '../../examples/customers-service.js'
import { type CheckDecision, clearanceGrpc, type GrpcGuardOptions, grpcClearanceOf } from '../../sdk/index.js'
import {
  type Authority,
  type Credential,
  createAuthority,
  issueLoopbackServer,
  issueSvid,
} from '../helpers/pki.js'
import { allowWith, DENIED, stubAuthorizer } from './support/stub-authorizer.js'

type UnaryCall = (
  request: unknown,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, value: never) => void,
) => void

const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'
const RECORD = { id: 'c1', email: 'carol@example.net', phone: '+1 555 0100', tier: 'gold' }

describe('gRPC server interceptor', () => {
  let ca: Authority
  let serverCert: Credential
  let orders: Credential
  const servers: grpc.Server[] = []

  beforeAll(async () => {
    ca = await createAuthority('grpc-trust')
    ;[serverCert, orders] = await Promise.all([issueLoopbackServer(ca), issueSvid(ca, ORDERS)])
  })

  afterAll(async () => {
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))),
    )
  })

  async function serve(options: Omit<GrpcGuardOptions, 'service'>, seen: unknown[] = []): Promise<string> {
    const server = new grpc.Server({
      interceptors: [clearanceGrpc({ service: 'customers', log: false, ...options })],
    })
    server.addService(CUSTOMERS_SERVICE, {
      Get: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        seen.push(grpcClearanceOf(call))
        callback(null, RECORD)
      },
    })
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(ca.cert),
      [{ cert_chain: Buffer.from(serverCert.cert), private_key: Buffer.from(serverCert.key) }],
      true,
    )
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    )
    servers.push(server)
    return `127.0.0.1:${port}`
  }

  function call(address: string): Promise<{ error: grpc.ServiceError | null; value: unknown }> {
    const client = new CustomersClient(
      address,
      grpc.credentials.createSsl(Buffer.from(ca.cert), Buffer.from(orders.key), Buffer.from(orders.cert)),
    )
    const metadata = new grpc.Metadata()
    metadata.set('x-clearance-purpose', 'shipping')
    return new Promise((resolve) => {
      ;(client.Get as UnaryCall).call(
        client,
        { id: 'c1' },
        metadata,
        (error: grpc.ServiceError | null, value: unknown) => {
          client.close()
          resolve({ error, value })
        },
      )
    })
  }

  it('decides with the method as the operation and the peer certificate’s SPIFFE ID as the caller', async () => {
    const authorizer = stubAuthorizer(allowWith([{ type: 'audit' }]))
    const seen: unknown[] = []
    const { error, value } = await call(await serve({ authorizer }, seen))
    expect(error).toBeNull()
    expect(value).toEqual(RECORD)
    expect(authorizer.inputs[0]).toMatchObject({
      subject: { type: 'service', spiffe_id: ORDERS, authenticated: true },
      connection: { tls: true, mtls: true, source_ip: '127.0.0.1' },
      target: { service: 'customers', operation: { rpc: 'customers.v1.Customers/Get' } },
      purpose: 'shipping',
    })
    expect(seen).toEqual([expect.objectContaining({ audit: true })])
  })

  it('masks the fields the policy names in response messages', async () => {
    const authorizer = stubAuthorizer(allowWith([{ type: 'mask_fields', fields: ['email', 'phone'] }]))
    const { value } = await call(await serve({ authorizer }))
    expect(value).toEqual({ ...RECORD, email: '***', phone: '***' })
  })

  it('ends a denied call with PERMISSION_DENIED before the handler runs', async () => {
    const seen: unknown[] = []
    const { error } = await call(await serve({ authorizer: stubAuthorizer(DENIED) }, seen))
    expect(error?.code).toBe(grpc.status.PERMISSION_DENIED)
    expect(error?.details).toBe('denied by policy')
    expect(seen).toEqual([])
  })

  it('answers UNAVAILABLE when no decision could be made, and UNAUTHENTICATED when the policy asks for it', async () => {
    const failed: CheckDecision = {
      ...DENIED,
      decisionId: undefined,
      error: { code: 'pdp_unavailable', message: 'cannot reach the PDP' },
    }
    expect((await call(await serve({ authorizer: stubAuthorizer(failed) }))).error?.code).toBe(
      grpc.status.UNAVAILABLE,
    )
    const unauthenticated = { ...DENIED, reasons: [{ code: 'authentication_required', message: 'sign in' }] }
    expect((await call(await serve({ authorizer: stubAuthorizer(unauthenticated) }))).error?.code).toBe(
      grpc.status.UNAUTHENTICATED,
    )
  })

  it('records each decision as an OpenTelemetry span with its id, allow and revision', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const tracer = provider.getTracer('customers')
    await call(await serve({ authorizer: stubAuthorizer(allowWith()), tracer }))
    const span = exporter.getFinishedSpans().find((s) => s.name === 'clearance.decision')
    expect(span?.attributes).toMatchObject({
      'clearance.service': 'customers',
      'clearance.operation': 'customers.v1.Customers/Get',
      'clearance.allow': true,
      'clearance.decision_id': allowWith().decisionId,
      'clearance.revision': 'stub',
    })
  })
})
