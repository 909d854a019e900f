// JWS signatures over node:crypto, with the semantics of the Go code OPA uses: RSA PKCS#1 v1.5 and PSS (any salt
// length when verifying), ECDSA signatures as r||s split in half (any length, like OPA's verifyES), Ed25519 and
// HMAC. All synchronous, as host builtins must be.
import { constants, createHmac, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto'
import { BuiltinError } from '../host/index.js'

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

function hashOf(alg: string): string {
  const h = HASHES[alg.slice(2)]
  if (h === undefined) throw new BuiltinError(`unsupported algorithm ${alg}`)
  return h
}

function derInteger(bytes: Buffer): Buffer {
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0) i++
  let body = bytes.subarray(i)
  if (body.length === 0) body = Buffer.from([0])
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body])
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body])
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let x = n; x > 0; x >>= 8) bytes.unshift(x & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** r||s (split in half) as a DER ECDSA-Sig-Value. */
function ecdsaDer(signature: Uint8Array): Buffer {
  const sig = Buffer.from(signature)
  const n = Math.floor(sig.length / 2)
  const body = Buffer.concat([derInteger(sig.subarray(0, n)), derInteger(sig.subarray(n))])
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body])
}

function keyType(key: KeyObject): string {
  return key.type === 'secret' ? 'oct' : (key.asymmetricKeyType ?? '')
}

/** Verifies signature over data for alg with key; false for a wrong key type or a bad signature. */
export function verifyJws(alg: string, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const type = keyType(key)
  try {
    switch (alg.slice(0, 2)) {
      case 'HS': {
        if (type !== 'oct') return false
        const mac = createHmac(hashOf(alg), key).update(data).digest()
        return mac.length === signature.length && timingSafeEqual(mac, signature)
      }
      case 'RS':
        if (type !== 'rsa' || key.type !== 'public') return false
        return verify(hashOf(alg), data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      case 'PS':
        if ((type !== 'rsa' && type !== 'rsa-pss') || key.type !== 'public') return false
        return verify(
          hashOf(alg),
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        )
      case 'ES':
        if (type !== 'ec' || key.type !== 'public') return false
        return verify(hashOf(alg), data, { key, dsaEncoding: 'der' }, ecdsaDer(signature))
      case 'Ed':
        if (alg !== 'EdDSA' || type !== 'ed25519' || key.type !== 'public') return false
        return verify(null, data, key, signature)
      default:
        return false
    }
  } catch {
    return false
  }
}

/** Signs data for alg with a private (or, for HS*, secret) key. */
export function signJws(alg: string, key: KeyObject, data: Uint8Array): Buffer {
  const type = keyType(key)
  const wrongKey = () => new BuiltinError(`invalid key type ${type} for algorithm ${alg}`)
  switch (alg.slice(0, 2)) {
    case 'HS':
      if (type !== 'oct') throw wrongKey()
      return createHmac(hashOf(alg), key).update(data).digest()
    case 'RS':
      if (type !== 'rsa' || key.type !== 'private') throw wrongKey()
      return sign(hashOf(alg), data, { key, padding: constants.RSA_PKCS1_PADDING })
    case 'PS':
      if (type !== 'rsa' || key.type !== 'private') throw wrongKey()
      return sign(hashOf(alg), data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      })
    case 'ES':
      if (type !== 'ec' || key.type !== 'private') throw wrongKey()
      return sign(hashOf(alg), data, { key, dsaEncoding: 'ieee-p1363' })
    case 'Ed':
      if (alg !== 'EdDSA' || type !== 'ed25519' || key.type !== 'private') throw wrongKey()
      return sign(null, data, key)
    default:
      throw new BuiltinError(`unknown JWS algorithm: ${alg}`)
  }
}
