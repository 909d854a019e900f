// The input schema guarding POST /v1/check: only the branch of the schema that applies reports, and every error
// carries a reason code from the policy's vocabulary (missing_field, invalid_field; docs/model.md).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createInputValidator } from '../../../engine/decision/input-schema.js'
import { POLICIES } from '../../helpers/policy-bundle.js'

const validate = createInputValidator(
  JSON.parse(readFileSync(join(POLICIES, 'schema', 'input.schema.json'), 'utf8')),
)

const valid = {
  subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/web', authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
  target: { service: 'catalog', operation: { method: 'GET', path: '/products' } },
  time: '2025-06-01T12:00:00Z',
}

const withSubject = (subject: unknown) => ({ ...valid, subject })
const withOperation = (operation: unknown) => ({ ...valid, target: { service: 'catalog', operation } })

describe('decision input schema', () => {
  it('accepts a valid service call, user call and gRPC call', () => {
    expect(validate(valid)).toEqual([])
    expect(validate(withSubject({ type: 'user', id: 'alice@shop.example', authenticated: true }))).toEqual([])
    expect(validate(withSubject({ type: 'user', authenticated: false }))).toEqual([])
    expect(validate(withOperation({ rpc: 'payments.v1.Payments/Charge' }))).toEqual([])
  })

  it('judges a service subject by the service branch alone', () => {
    const errors = validate(withSubject({ type: 'service', spiffe_id: 'http://web', authenticated: true }))
    expect(errors).toEqual([
      {
        code: 'invalid_field',
        message: expect.stringContaining('input.subject.spiffe_id must match pattern'),
      },
    ])
  })

  it('says a service needs one identity or the other, once, as missing_field', () => {
    expect(validate(withSubject({ type: 'service', authenticated: true }))).toEqual([
      {
        code: 'missing_field',
        message: 'input.subject.spiffe_id (or input.subject.cert_fingerprint) is missing',
      },
    ])
  })

  it('judges a user subject by the user branch alone', () => {
    expect(validate(withSubject({ type: 'user', authenticated: true }))).toEqual([
      { code: 'missing_field', message: 'input.subject.id is missing' },
    ])
    expect(
      validate(withSubject({ type: 'user', id: 'a', authenticated: true, spiffe_id: 'spiffe://x/y' })),
    ).toEqual([{ code: 'invalid_field', message: expect.stringContaining('("spiffe_id")') }])
  })

  it('names a missing or unknown subject type and nothing of either branch', () => {
    expect(validate(withSubject({ authenticated: true }))).toEqual([
      { code: 'missing_field', message: 'input.subject.type is missing' },
    ])
    expect(validate(withSubject({ type: 'robot' }))).toEqual([
      { code: 'invalid_field', message: expect.stringContaining('input.subject.type') },
    ])
  })

  it('judges an operation with rpc as gRPC and any other as an HTTP route', () => {
    expect(validate(withOperation({ rpc: 'a.B/C', method: 'GET' }))).toEqual([
      {
        code: 'invalid_field',
        message: 'input.target.operation must NOT have additional properties ("method")',
      },
    ])
    expect(validate(withOperation({ method: 'FETCH', path: '/x' }))).toEqual([
      { code: 'invalid_field', message: expect.stringContaining('input.target.operation.method') },
    ])
    expect(validate(withOperation({}))).toEqual([
      { code: 'missing_field', message: 'input.target.operation.method is missing' },
      { code: 'missing_field', message: 'input.target.operation.path is missing' },
    ])
  })

  it('reports a conditional requirement without its if/then wrapper', () => {
    const relayed = { ...valid, connection: { ...valid.connection, via_gateway: true } }
    expect(validate(relayed)).toEqual([
      { code: 'missing_field', message: 'input.connection.gateway_id is missing' },
    ])
  })

  it('says once that a value matches none of the alternatives', () => {
    const errors = validate({ ...valid, connection: { ...valid.connection, source_ip: 'not-an-ip' } })
    expect(errors).toEqual([
      {
        code: 'invalid_field',
        message: expect.stringMatching(/^input\.connection\.source_ip must satisfy one of: /),
      },
    ])
  })

  it('uses only the documented reason codes', () => {
    const errors = [
      validate({}),
      validate({ ...valid, time: 'yesterday', purpose: 'Not A Purpose', extra: true }),
      validate(withSubject({ type: 'service' })),
    ].flat()
    expect(errors.length).toBeGreaterThan(5)
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['missing_field', 'invalid_field']))
  })
})
