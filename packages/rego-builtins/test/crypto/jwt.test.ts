import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { builtinCaller } from '../helpers/call-builtin.js'

const NOW_NS = 1_700_000_000_000_000_000n
const call = builtinCaller({ clock: () => NOW_NS })

const b64url = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

function jwt(header: object, payload: object, signer: (data: Buffer) => Buffer): string {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${signer(Buffer.from(input)).toString('base64url')}`
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const pem = (k: KeyObject) => k.export({ format: 'pem', type: 'spki' }) as string
const jwk = (k: KeyObject, extra: object = {}) => JSON.stringify({ ...k.export({ format: 'jwk' }), ...extra })

const rs256 = (data: Buffer) => sign('sha256', data, rsa.privateKey)
const claims = { iss: 'issuer', sub: 'alice', aud: 'clearance', exp: 1_800_000_000, nbf: 1_600_000_000 }
const rsToken = jwt({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, claims, rs256)

describe('io.jwt verification', () => {
  it('verifies RS, PS, ES, EdDSA and HS signatures against PEM keys, JWKs and secrets', () => {
    expect(call('io.jwt.verify_rs256', rsToken, pem(rsa.publicKey))).toBe(true)
    expect(call('io.jwt.verify_rs256', rsToken, pem(otherRsa.publicKey))).toBe(false)
    const ps = jwt({ alg: 'PS256' }, claims, (d) =>
      sign('sha256', d, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    )
    expect(call('io.jwt.verify_ps256', ps, jwk(rsa.publicKey))).toBe(true)
    const es = jwt({ alg: 'ES256' }, claims, (d) =>
      sign('sha256', d, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
    )
    expect(call('io.jwt.verify_es256', es, jwk(ec.publicKey))).toBe(true)
    expect(call('io.jwt.verify_es256', es, jwk(rsa.publicKey))).toBe(false)
    const eddsa = jwt({ alg: 'EdDSA' }, claims, (d) => sign(null, d, ed.privateKey))
    expect(call('io.jwt.verify_eddsa', eddsa, pem(ed.publicKey))).toBe(true)
    const hs = jwt({ alg: 'HS256' }, claims, (d) => createHmac('sha256', 'secret').update(d).digest())
    expect(call('io.jwt.verify_hs256', hs, 'secret')).toBe(true)
    expect(call('io.jwt.verify_hs256', hs, 'other')).toBe(false)
  })

  it('picks the key by kid from a JWK set, skipping keys with algorithms OPA does not know', () => {
    const set = JSON.stringify({
      keys: [
        { ...otherRsa.publicKey.export({ format: 'jwk' }), kid: 'k0' },
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1' },
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k2', alg: 'XX999' },
      ],
    })
    expect(call('io.jwt.verify_rs256', rsToken, set)).toBe(true)
  })

  it('is undefined for a malformed token or key rather than false', () => {
    expect(call('io.jwt.verify_rs256', 'not-a-token', pem(rsa.publicKey))).toBeUndefined()
    expect(call('io.jwt.verify_rs256', rsToken, 'not a key')).toBeUndefined()
  })

  it('decodes header, payload and hex signature, following nested JWTs', () => {
    const [header, payload, signature] = call('io.jwt.decode', rsToken) as [object, object, string]
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' })
    expect(payload).toEqual(claims)
    expect(signature).toMatch(/^[0-9a-f]{512}$/)
    const outer = `${b64url({ alg: 'HS256', cty: 'JWT' })}.${b64url(rsToken)}.${b64url('sig')}`
    expect((call('io.jwt.decode', outer) as object[])[1]).toEqual(claims)
  })
})

describe('io.jwt.decode_verify', () => {
  const verify = (token: string, constraints: object) => call('io.jwt.decode_verify', token, constraints)
  const unverified = [false, {}, {}]

  it('returns header and claims when signature, issuer, audience and times hold', () => {
    expect(
      verify(rsToken, { cert: pem(rsa.publicKey), iss: 'issuer', aud: 'clearance', alg: 'RS256' }),
    ).toEqual([true, { alg: 'RS256', typ: 'JWT', kid: 'k1' }, claims])
  })

  it('checks exp and nbf against the evaluation clock, or against the time constraint', () => {
    const expired = jwt({ alg: 'RS256' }, { exp: 1_600_000_000 }, rs256)
    expect(verify(expired, { cert: pem(rsa.publicKey) })).toEqual(unverified)
    expect(
      (verify(expired, { cert: pem(rsa.publicKey), time: 1_500_000_000_000_000_000 }) as unknown[])[0],
    ).toBe(true)
    const notYet = jwt({ alg: 'RS256' }, { nbf: 1_800_000_000 }, rs256)
    expect(verify(notYet, { cert: pem(rsa.publicKey) })).toEqual(unverified)
  })

  it('refuses a wrong key, issuer, algorithm or audience — and a token audience nobody asked for', () => {
    expect(verify(rsToken, { cert: pem(otherRsa.publicKey) })).toEqual(unverified)
    expect(verify(rsToken, { cert: pem(rsa.publicKey), aud: 'clearance', iss: 'mallory' })).toEqual(
      unverified,
    )
    expect(verify(rsToken, { cert: pem(rsa.publicKey), aud: 'clearance', alg: 'RS512' })).toEqual(unverified)
    expect(verify(rsToken, { cert: pem(rsa.publicKey), aud: 'other' })).toEqual(unverified)
    expect(verify(rsToken, { cert: pem(rsa.publicKey) })).toEqual(unverified)
  })

  it('verifies HMAC tokens with a secret constraint', () => {
    const hs = jwt({ alg: 'HS512' }, { sub: 'x' }, (d) => createHmac('sha512', 's3cret').update(d).digest())
    expect(verify(hs, { secret: 's3cret' })).toEqual([true, { alg: 'HS512' }, { sub: 'x' }])
    expect(verify(hs, { secret: 'wrong' })).toEqual(unverified)
  })

  it('is undefined without exactly one key constraint or with an unknown constraint', () => {
    expect(verify(rsToken, {})).toBeUndefined()
    expect(verify(rsToken, { secret: 'a', cert: pem(rsa.publicKey) })).toBeUndefined()
    expect(verify(rsToken, { cert: pem(rsa.publicKey), audience: 'x' })).toBeUndefined()
  })
})

describe('io.jwt.encode_sign', () => {
  const octKey = {
    k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
    kty: 'oct',
  }

  it('signs RFC 7515 appendix A.1 exactly as OPA does (Go JSON encoding, sorted keys)', () => {
    const token = call(
      'io.jwt.encode_sign',
      { alg: 'HS256', typ: 'JWT' },
      {
        aud: ['bob', 'saul'],
        exp: 1300819380,
        'http://example.com/is_root': true,
        iss: 'joe',
        privateParams: { private_one: 'one', private_two: 'two' },
      },
      octKey,
    )
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdmF0ZV90d28iOiJ0d28ifX0.-Or2eol8bzly-Ztb0v7_7UkcKBkN_aNNpK33HK0MeOY',
    )
  })

  it('signs with private JWKs so the matching verify_* accepts the token', () => {
    const privateJwk = rsa.privateKey.export({ format: 'jwk' })
    const token = call('io.jwt.encode_sign', { alg: 'RS256' }, { sub: 'bob' }, privateJwk) as string
    expect(call('io.jwt.verify_rs256', token, pem(rsa.publicKey))).toBe(true)
    const esToken = call('io.jwt.encode_sign_raw', '{"alg":"ES256"}', '{"a":1}', jwk(ec.privateKey)) as string
    expect(call('io.jwt.verify_es256', esToken, pem(ec.publicKey))).toBe(true)
  })

  it('refuses unknown algorithms and non-JSON payloads of JWT type', () => {
    expect(call('io.jwt.encode_sign_raw', '{"alg":"none"}', '{}', JSON.stringify(octKey))).toBeUndefined()
    expect(call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', 'plain', JSON.stringify(octKey))).toBeUndefined()
    expect(
      call('io.jwt.encode_sign_raw', '{"alg":"HS256","typ":"text/plain"}', 'plain', JSON.stringify(octKey)),
    ).toMatch(/^eyJ/)
  })
})
