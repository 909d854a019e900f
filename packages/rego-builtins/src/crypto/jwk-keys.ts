// Keys for the io.jwt.* builtins, read the way OPA reads them: a PEM certificate or PEM public key (nothing may
// follow the block), or a JWK / JWK set (keys whose "alg" OPA does not know are dropped). Everything becomes a
// node:crypto KeyObject so verification stays synchronous.
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  X509Certificate,
} from 'node:crypto'
import { BuiltinError } from '../host/index.js'
import { isObject } from '../values/index.js'
import { pemDecode } from './pem.js'

/** The JWS algorithms OPA's io.jwt builtins know (RFC 7518 names plus EdDSA). */
export const JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
  'EdDSA',
] as const

export const TOKEN_ALGORITHMS: ReadonlySet<string> = new Set(JWS_ALGORITHMS)

export interface VerificationKey {
  alg: string
  kid: string
  key: KeyObject
  /** A private JWK: Go's verifiers reject it (they want a public key type). */
  isPrivate: boolean
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function jwkToKey(jwk: Record<string, unknown>): { key: KeyObject; isPrivate: boolean } {
  const kty = jwk.kty
  if (kty === 'oct') {
    if (typeof jwk.k !== 'string')
      throw new BuiltinError('failed to parse a JWK key (set): required field k is missing')
    return { key: createSecretKey(Buffer.from(jwk.k, 'base64url')), isPrivate: false }
  }
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    throw new BuiltinError(`failed to parse a JWK key (set): invalid key type ${JSON.stringify(kty)}`)
  }
  try {
    const isPrivate = typeof jwk.d === 'string'
    // biome-ignore lint/suspicious/noExplicitAny: node's JsonWebKey input is a loose record
    const input = { key: jwk as any, format: 'jwk' as const }
    return { key: isPrivate ? createPrivateKey(input) : createPublicKey(input), isPrivate }
  } catch (error) {
    throw new BuiltinError(`failed to parse a JWK key (set): ${describe(error)}`)
  }
}

/** OPA's parseKeysFromCertOrJWK. */
export function keysFromCertOrJwk(text: string): VerificationKey[] {
  const { block, rest } = pemDecode(text)
  if (block !== undefined) {
    if (rest.length > 0) throw new BuiltinError('extra data after a PEM certificate block')
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ alg: '', kid: '', key: new X509Certificate(block.bytes).publicKey, isPrivate: false }]
      } catch (error) {
        throw new BuiltinError(`failed to parse a PEM certificate: ${describe(error)}`)
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [
          {
            alg: '',
            kid: '',
            key: createPublicKey({ key: block.bytes, format: 'der', type: 'spki' }),
            isPrivate: false,
          },
        ]
      } catch (error) {
        throw new BuiltinError(`failed to parse a PEM public key: ${describe(error)}`)
      }
    }
    throw new BuiltinError('failed to extract a Key from the PEM certificate')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new BuiltinError(`failed to parse a JWK key (set): ${describe(error)}`)
  }
  if (!isObject(parsed)) throw new BuiltinError('failed to parse a JWK key (set): not a JSON object')
  const list = Array.isArray(parsed.keys) ? parsed.keys : [parsed]
  const keys: VerificationKey[] = []
  for (const item of list) {
    if (!isObject(item)) throw new BuiltinError('failed to parse a JWK key (set): key is not an object')
    const { key, isPrivate } = jwkToKey(item)
    const alg = typeof item.alg === 'string' ? item.alg : ''
    if (alg !== '' && !TOKEN_ALGORITHMS.has(alg)) continue
    keys.push({ alg, kid: typeof item.kid === 'string' ? item.kid : '', key, isPrivate })
  }
  return keys
}

/** The first key of a JWK (set), for signing. */
export function signingKeyFromJwk(text: string): KeyObject {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new BuiltinError(`failed to parse JWK: ${describe(error)}`)
  }
  if (!isObject(parsed)) throw new BuiltinError('failed to parse JWK: not a JSON object')
  const list = Array.isArray(parsed.keys) ? parsed.keys : [parsed]
  const first = list[0]
  if (first === undefined) throw new BuiltinError('no keys found in JWK set')
  if (!isObject(first)) throw new BuiltinError('failed to parse JWK: key is not an object')
  return jwkToKey(first).key
}
