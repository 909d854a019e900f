import { execFileSync } from 'node:child_process'
import { createPrivateKey, sign } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadBundleFromPath } from '../../../../engine/bundle/index.js'
import { encodeJson, parseJson } from '../../../../engine/evaluator/json-codec.js'
import { loadWasmPolicy, type WasmPolicy } from '../../../../engine/evaluator/wasm-policy.js'
import { buildFixture } from '../../../helpers/fixtures.js'

// The done-when check for Clearance's host builtins: a policy using io.jwt.decode_verify, time.now_ns and
// crypto.x509.parse_certificates builds with Clearance's capabilities file and decides through loadWasmPolicy.
let policy: WasmPolicy
let certPem = ''
let signingKey: ReturnType<typeof createPrivateKey>
let otherKey: ReturnType<typeof createPrivateKey>

function certificate(dir: string, name: string, cn: string): { cert: string; key: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
      '-subj',
      `/CN=${cn}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return {
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
  }
}

function token(claims: object, key = signingKey, alg = 'RS256'): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const input = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

function decide(entrypoint: string, input: object): unknown {
  const id = policy.entrypoints.get(entrypoint)
  if (id === undefined) throw new Error(`no entrypoint ${entrypoint}`)
  const rows = parseJson(policy.evaluate(id, encodeJson(input))) as Array<{ result: unknown }>
  return rows[0]?.result
}

const now = () => Math.floor(Date.now() / 1000)

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-jwt-x509-'))
  const issuer = certificate(dir, 'issuer', 'issuer.clearance.test')
  const other = certificate(dir, 'other', 'other.clearance.test')
  certPem = issuer.cert
  signingKey = createPrivateKey(issuer.key)
  otherKey = createPrivateKey(other.key)
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
