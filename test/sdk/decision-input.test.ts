// Building the decision input from request facts: identity from the client certificate or a trusted header,
// operation from method and route template (or gRPC path), target from configuration, always valid per schema.
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createInputValidator } from '../../engine/decision/input-schema.js'
import {
  catalogTemplate,
  createInputBuilder,
  createRouteMatcher,
  type RequestFacts,
  spiffeIdOf,
} from '../../sdk/index.js'
import { readInputSchema } from './support/input-corpus.js'

const validate = createInputValidator(readInputSchema())
const NOW = Date.parse('2025-06-01T12:00:00Z')

function facts(overrides: Partial<RequestFacts> & { headers?: Record<string, string> } = {}): RequestFacts {
  const headers = overrides.headers ?? {}
  return {
    method: 'GET',
    route: undefined,
    path: '/orders/17',
    socket: undefined,
    header: (name) => headers[name.toLowerCase()],
    ...overrides,
  }
}

/** A TLS socket as node:tls presents one, with the given peer certificate. */
function tlsSocket(certificate: object, authorized: boolean): Socket {
  return {
    encrypted: true,
    authorized,
    remoteAddress: '::ffff:10.1.4.17',
    getPeerCertificate: () => certificate,
  } as unknown as Socket
}

describe('peer identity', () => {
  it('reads the one SPIFFE ID among the certificate’s subject alternative names', () => {
    expect(spiffeIdOf('DNS:orders.local, URI:spiffe://shop.example/ns/prod/sa/orders')).toBe(
      'spiffe://shop.example/ns/prod/sa/orders',
    )
    expect(spiffeIdOf('URI:"spiffe://shop.example/ns/prod/sa/a,b"')).toBe(
      'spiffe://shop.example/ns/prod/sa/a,b',
    )
  })

  it('trusts no SPIFFE ID when there is none or more than one', () => {
    expect(spiffeIdOf('DNS:orders.local, URI:https://example.com')).toBeUndefined()
    expect(spiffeIdOf('URI:spiffe://a/x, URI:spiffe://a/y')).toBeUndefined()
    expect(spiffeIdOf(undefined)).toBeUndefined()
  })
})

describe('route templates', () => {
  it('writes router templates as the catalog does', () => {
    expect(catalogTemplate('/orders/:id')).toBe('/orders/{id}')
    expect(catalogTemplate('/orders/:id/refund')).toBe('/orders/{id}/refund')
    expect(catalogTemplate('/orders/{id}')).toBe('/orders/{id}')
  })

  it('matches raw paths to templates, literal segments first', () => {
    const matcher = createRouteMatcher(['/orders/{id}', '/orders/export', '/orders/:id/refund'])
    expect(matcher.match('/orders/export')).toBe('/orders/export')
    expect(matcher.match('/orders/17')).toBe('/orders/{id}')
    expect(matcher.match('/orders/17/refund')).toBe('/orders/{id}/refund')
    expect(matcher.match('/payments')).toBeUndefined()
  })
})

describe('decision input', () => {
  it('names a verified mTLS caller by its SPIFFE ID and the operation by its route template', () => {
    const build = createInputBuilder({ service: 'orders', now: () => NOW })
    const certificate = {
      raw: Buffer.from('certificate'),
      subjectaltname: 'URI:spiffe://shop.example/ns/prod/sa/web',
    }
    const input = build(
      facts({
        route: '/orders/:id',
        socket: tlsSocket(certificate, true),
        headers: { 'x-clearance-purpose': 'order_status', 'x-request-id': 'req-1' },
      }),
    )
    expect(input).toEqual({
      subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/web', authenticated: true },
      connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
      target: { service: 'orders', operation: { method: 'GET', path: '/orders/{id}' } },
      purpose: 'order_status',
      time: '2025-06-01T12:00:00.000Z',
      context: { request_id: 'req-1' },
    })
    expect(validate(input)).toEqual([])
  })

  it('names a caller whose certificate has no SPIFFE ID by its fingerprint, unverified when it did not chain', () => {
    const build = createInputBuilder({ service: 'orders', now: () => NOW })
    const input = build(
      facts({ socket: tlsSocket({ raw: Buffer.from('x'), subjectaltname: 'DNS:a' }, false) }),
    )
    expect(input.subject).toEqual({
      type: 'service',
      cert_fingerprint: 'sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
      authenticated: false,
    })
    expect(input.connection).toMatchObject({ tls: true, mtls: false })
    expect(validate(input)).toEqual([])
  })

  it('takes the identity from a trusted header when no certificate was presented', () => {
    const build = createInputBuilder({
      service: 'payments',
      identity: { header: 'X-Spiffe-Id' },
      operation: 'grpc',
    })
    const input = build(
      facts({
        method: 'POST',
        path: '/payments.v1.Payments/Charge',
        headers: { 'x-spiffe-id': 'spiffe://shop.example/ns/prod/sa/orders' },
      }),
    )
    expect(input.subject).toEqual({
      type: 'service',
      spiffe_id: 'spiffe://shop.example/ns/prod/sa/orders',
      authenticated: true,
    })
    expect(input.connection).toMatchObject({ tls: true, mtls: true })
    expect(input.target).toEqual({ service: 'payments', operation: { rpc: 'payments.v1.Payments/Charge' } })
    expect(validate(input)).toEqual([])
  })

  it('sends an anonymous caller when there is no identity at all', () => {
    const input = createInputBuilder({ service: 'web', routes: ['/products'] })(facts({ path: '/products' }))
    expect(input.subject).toEqual({ type: 'user', authenticated: false })
    expect(input.connection).toEqual({ tls: false, mtls: false, via_gateway: false, source_ip: '0.0.0.0' })
    expect(input.target.operation).toEqual({ method: 'GET', path: '/products' })
    expect(validate(input)).toEqual([])
  })

  it('lets the service supply the subject, resource and connection facts it knows better', () => {
    const build = createInputBuilder({
      service: 'web',
      subject: () => ({ type: 'user', id: 'carol@example.net', roles: ['customer'], authenticated: true }),
      resource: () => ({ classification: 'confidential', tags: ['pii'] }),
      connection: () => ({
        tls: true,
        mtls: true,
        via_gateway: true,
        gateway_id: 'spiffe://shop.example/ns/edge/sa/gateway',
      }),
    })
    const input = build(facts({ method: 'post', route: '/checkout', path: '/checkout' }))
    expect(input).toMatchObject({
      subject: { type: 'user', id: 'carol@example.net' },
      resource: { classification: 'confidential', tags: ['pii'] },
      connection: { via_gateway: true, gateway_id: 'spiffe://shop.example/ns/edge/sa/gateway' },
      target: { operation: { method: 'POST', path: '/checkout' } },
    })
    expect(validate(input)).toEqual([])
  })
})
