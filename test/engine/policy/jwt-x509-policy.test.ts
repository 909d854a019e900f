import { beforeAll, describe, expect, it } from 'vitest'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson, parseJson } from '../../../engine/json/json-codec.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../engine/policy/wasm-policy.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { signRs256 } from '../../helpers/jwt.js'
import { createAuthority } from '../../helpers/pki.js'

// Clearance's host builtins in one policy: io.jwt.decode_verify, time.now_ns and crypto.x509.parse_certificates
// build with Clearance's capabilities file and decide through loadWasmPolicy. The same policy through
// `clearance serve` and the SDK: test/engine/jwt-x509-end-to-end.test.ts.
let policy: WasmPolicy
let certPem = ''
let signingKey = ''
let otherKey = ''

const token = (claims: object, key = signingKey): string => signRs256(claims, key)

function decide(entrypoint: string, input: object): unknown {
  const id = policy.entrypoints.get(entrypoint)
  if (id === undefined) throw new Error(`no entrypoint ${entrypoint}`)
  const rows = parseJson(policy.evaluate(id, encodeJson(input))) as Array<{ result: unknown }>
  return rows[0]?.result
}

const now = () => Math.floor(Date.now() / 1000)

beforeAll(async () => {
  const issuer = await createAuthority('issuer', { keyType: 'rsa', commonName: 'issuer.clearance.test' })
  const other = await createAuthority('other', { keyType: 'rsa', commonName: 'other.clearance.test' })
  certPem = issuer.cert
  signingKey = issuer.key
  otherKey = other.key
  const bundle = await loadBundleFromPath('jwt-x509', await buildFixture('jwt-x509'))
  const module = bundle.modules[0]
  if (module === undefined) throw new Error('bundle has no wasm module')
  policy = await loadWasmPolicy(module.bytes, encodeJson(bundle.data))
})

describe('a policy on io.jwt.decode_verify, time.now_ns and crypto.x509.parse_certificates', () => {
  const claims = () => ({ sub: 'alice', role: 'admin', aud: 'clearance', iat: now() - 60, exp: now() + 600 })

  it('allows a current admin token signed by the presented certificate', () => {
    const input = { token: token(claims()), cert: certPem }
    expect(decide('jwtx509/allow', input)).toBe(true)
    expect(decide('jwtx509/summary', input)).toBe('alice as admin, cert "issuer.clearance.test"')
  })

  it('denies an expired token', () => {
    expect(decide('jwtx509/allow', { token: token({ ...claims(), exp: now() - 1 }), cert: certPem })).toBe(
      false,
    )
  })

  it('denies a token signed by another key', () => {
    expect(decide('jwtx509/allow', { token: token(claims(), otherKey), cert: certPem })).toBe(false)
  })

  it('denies a token for another audience or role, and one issued in the future', () => {
    expect(decide('jwtx509/allow', { token: token({ ...claims(), aud: 'other' }), cert: certPem })).toBe(
      false,
    )
    expect(decide('jwtx509/allow', { token: token({ ...claims(), role: 'viewer' }), cert: certPem })).toBe(
      false,
    )
    expect(decide('jwtx509/allow', { token: token({ ...claims(), iat: now() + 3600 }), cert: certPem })).toBe(
      false,
    )
  })

  it('denies a malformed certificate instead of failing the decision', () => {
    expect(decide('jwtx509/allow', { token: token(claims()), cert: 'garbage' })).toBe(false)
  })
})
