// io.jwt.* with OPA's semantics (topdown/tokens.go): decode, the verify_* family (false for a bad signature, an
// error — hence undefined — for a malformed token or key), decode_verify with its constraints object (cert or
// secret, alg, iss, aud, time; exp/nbf checked against time, which defaults to the evaluation's now), nested
// "cty": "JWT" tokens, and encode_sign / encode_sign_raw. Verification is synchronous node:crypto.

import { createSecretKey } from 'node:crypto'
import { goJsonMarshal } from '../go/index.js'
import type { BuiltinTable, HostContext } from '../host/index.js'
import { BuiltinError, objectOperand, stringOperand } from '../host/index.js'
import { isObject, type JsonObject, parseJson } from '../values/index.js'
import { keysFromCertOrJwk, signingKeyFromJwk, TOKEN_ALGORITHMS, type VerificationKey } from './jwk-keys.js'
import { signJws, verifyJws } from './jws.js'

const decoder = new TextDecoder()

/** OPA's base64url.decode: padding optional (RFC 7515 appendix C), otherwise strict. */
export function base64UrlDecode(input: string): Buffer {
  let s = input
  if (!s.endsWith('=')) {
    switch (s.length % 4) {
      case 0:
        break
      case 2:
        s += '=='
        break
      case 3:
        s += '='
        break
      default:
        throw new BuiltinError(`illegal base64url string: ${input}`)
    }
  }
  const clean = s.replace(/[\r\n]/g, '')
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new BuiltinError(`illegal base64 data at input byte ${Math.max(0, clean.search(/[^A-Za-z0-9_-]/))}`)
  }
  return Buffer.from(clean, 'base64url')
}

interface Token {
  header: string
  payload: string
  signature: string
}

function decodeToken(value: unknown): Token {
  const s = stringOperand(value, 1)
  if (!s.includes('.')) throw new BuiltinError('encoded JWT had no period separators')
  const parts = s.split('.')
  if (parts.length !== 3) throw new BuiltinError(`encoded JWT must have 3 sections, found ${parts.length}`)
  return { header: parts[0] as string, payload: parts[1] as string, signature: parts[2] as string }
}

function jsonObject(text: string): JsonObject {
  let v: unknown
  try {
    v = parseJson(text)
  } catch (error) {
    throw new BuiltinError(`invalid JSON: ${(error as Error).message}`)
  }
  if (!isObject(v)) throw new BuiltinError('decoded JSON type was not an Object')
  return v
}

function decodeHeader(token: Token): JsonObject {
  let raw: Buffer
  try {
    raw = base64UrlDecode(token.header)
  } catch (error) {
    throw new BuiltinError(`JWT header had invalid encoding: ${(error as Error).message}`)
  }
  let header: JsonObject
  try {
    header = jsonObject(decoder.decode(raw))
  } catch (error) {
    throw new BuiltinError(`bad JWT header: ${(error as Error).message}`)
  }
  if (Object.hasOwn(header, 'enc')) throw new BuiltinError('JWT is a JWE object, which is not supported')
  return header
}

function decodePayloadText(token: Token): string {
  try {
    return decoder.decode(base64UrlDecode(token.payload))
  } catch (error) {
    throw new BuiltinError(`JWT payload had invalid encoding: ${(error as Error).message}`)
  }
}

function decodeSignature(token: Token): Buffer {
  return base64UrlDecode(token.signature)
}

function jwtDecode(value: unknown): unknown[] {
  const token = decodeToken(value)
  const header = decodeHeader(token)
  const payloadText = decodePayloadText(token)
  if (header.cty === 'JWT') return jwtDecode(payloadText.replace(/^["']+|["']+$/g, ''))
  const payload = jsonObject(payloadText)
  let signature: Buffer
  try {
    signature = decodeSignature(token)
  } catch (error) {
    throw new BuiltinError(`JWT signature had invalid encoding: ${(error as Error).message}`)
  }
  return [header, payload, signature.toString('hex')]
}

interface TokenHeader {
  alg: string
  kid: string
  typ: string
  cty: string
  crit: Set<string> | undefined
  unknown: string[]
}

function parseTokenHeader(header: JsonObject): TokenHeader {
  const h: TokenHeader = { alg: '', kid: '', typ: '', cty: '', crit: undefined, unknown: [] }
  for (const [k, v] of Object.entries(header)) {
    if (k === 'alg' || k === 'kid' || k === 'typ' || k === 'cty') {
      if (typeof v !== 'string') throw new BuiltinError(`${k}: must be a string`)
      h[k] = v
    } else if (k === 'crit') {
      if (!Array.isArray(v)) throw new BuiltinError('crit: must be a list')
      h.crit = new Set(v.filter((x): x is string => typeof x === 'string'))
      if (h.crit.size === 0) throw new BuiltinError('crit: must be a nonempty list')
    } else {
      h.unknown.push(k)
    }
  }
  return h
}

function headerValid(h: TokenHeader): boolean {
  return h.alg !== '' && !h.unknown.some((u) => h.crit?.has(u))
}

/** The verify_* family: signature check against a PEM certificate / public key or a JWK (set). */
function verifyWith(family: 'RS' | 'PS' | 'ES' | 'EdDSA', bits: string) {
  const alg = family === 'EdDSA' ? 'EdDSA' : `${family}${bits}`
  return (jwt: unknown, keyText: unknown): boolean => {
    const token = decodeToken(jwt)
    const keys = keysFromCertOrJwk(stringOperand(keyText, 2))
    const signature = decodeSignature(token)
    const header = parseTokenHeader(decodeHeader(token))
    const data = Buffer.from(`${token.header}.${token.payload}`)
    const check = (k: VerificationKey) => !k.isPrivate && verifyJws(alg, k.key, data, signature)
    if (header.kid !== '') {
      const byKid = keys.find((k) => k.kid === header.kid)
      if (byKid !== undefined) return check(byKid)
    }
    return keys.some((k) => (k.alg === '' || k.alg === header.alg) && check(k))
  }
}

function verifyHs(bits: string) {
  return (jwt: unknown, secret: unknown): boolean => {
    const s = stringOperand(jwt, 1)
    const key = stringOperand(secret, 2)
    const token = decodeToken(s)
    const signature = decodeSignature(token)
    return verifyJws(`HS${bits}`, secretKey(key), Buffer.from(`${token.header}.${token.payload}`), signature)
  }
}

function secretKey(secret: string) {
  return createSecretKey(Buffer.from(secret, 'utf8'))
}

interface Constraints {
  keys: VerificationKey[] | undefined
  secret: string
  alg: string
  iss: string
  aud: string
  time: number
}

function parseConstraints(o: JsonObject, nowNs: () => bigint): Constraints {
  const c: Constraints = { keys: undefined, secret: '', alg: '', iss: '', aud: '', time: -1 }
  for (const [name, v] of Object.entries(o)) {
    switch (name) {
      case 'cert':
        if (typeof v !== 'string') throw new BuiltinError('cert constraint: must be a string')
        c.keys = keysFromCertOrJwk(v)
        break
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        if (typeof v !== 'string') throw new BuiltinError(`${name} constraint: must be a string`)
        c[name] = v
        break
      case 'time':
        c.time = timeConstraint(v)
        break
      default:
        throw new BuiltinError(`unknown token validation constraint: ${name}`)
    }
  }
  if (c.time === -1) c.time = Number(nowNs())
  const keyConstraints = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0)
  if (keyConstraints > 1) throw new BuiltinError('duplicate key constraints')
  if (keyConstraints < 1) throw new BuiltinError('no key constraint')
  return c
}

function timeConstraint(v: unknown): number {
  if (typeof v !== 'number' && typeof v !== 'bigint')
    throw new BuiltinError('token time constraint: must be a number')
  const t = Number(v)
  if (t < 0) throw new BuiltinError('token time constraint: must not be negative')
  return t
}

function verifyConstraints(c: Constraints, h: TokenHeader, token: Token, signature: Buffer): boolean {
  const data = Buffer.from(`${token.header}.${token.payload}`)
  if (c.keys !== undefined) {
    if (h.kid !== '') {
      const byKid = c.keys.find((k) => k.kid === h.kid)
      if (byKid !== undefined) return verifyJws(h.alg, byKid.key, data, signature)
    }
    return c.keys.some((k) => (k.alg === '' || k.alg === h.alg) && verifyJws(h.alg, k.key, data, signature))
  }
  return TOKEN_ALGORITHMS.has(h.alg) && verifyJws(h.alg, secretKey(c.secret), data, signature)
}

function validAudience(aud: unknown, want: string): boolean {
  if (typeof aud === 'string') return aud === want
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && a === want)
}

function decodeVerify(nowNs: () => bigint) {
  return (jwt: unknown, constraintsArg: unknown): unknown[] => {
    const unverified = [false, {}, {}]
    const c = parseConstraints(objectOperand(constraintsArg, 2), nowNs)
    let current = jwt
    let header: JsonObject
    let payloadText: string
    for (;;) {
      const token = decodeToken(current)
      header = decodeHeader(token)
      const h = parseTokenHeader(header)
      if (!headerValid(h)) return unverified
      if (c.alg !== '' && c.alg !== h.alg) return unverified
      const signature = decodeSignature(token)
      if (!verifyConstraints(c, h, token, signature)) return unverified
      payloadText = decodePayloadText(token)
      if (h.cty.toLowerCase() === 'jwt') {
        current = payloadText
        continue
      }
      break
    }
    const payload = jsonObject(payloadText)
    if (c.iss !== '') {
      if (!Object.hasOwn(payload, 'iss')) return unverified
      if (typeof payload.iss !== 'string') throw new BuiltinError('iss value must be a string')
      if (payload.iss !== c.iss) return unverified
    }
    if (Object.hasOwn(payload, 'aud')) {
      if (!validAudience(payload.aud, c.aud)) return unverified
    } else if (c.aud !== '') {
      return unverified
    }
    const seconds = c.time / 1e9
    if (Object.hasOwn(payload, 'exp')) {
      const exp = payload.exp
      if (typeof exp !== 'number' && typeof exp !== 'bigint')
        throw new BuiltinError('exp value must be a number')
      if (!(seconds < Number(exp))) return unverified
    }
    if (Object.hasOwn(payload, 'nbf')) {
      const nbf = payload.nbf
      if (typeof nbf !== 'number' && typeof nbf !== 'bigint')
        throw new BuiltinError('nbf value must be a number')
      if (seconds < Number(nbf)) return unverified
    }
    return [true, header, payload]
  }
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

function encodeSign(headerText: string, payloadText: string, jwkText: string): string {
  const key = signingKeyFromJwk(jwkText)
  let headers: unknown
  try {
    headers = JSON.parse(headerText)
  } catch {
    headers = undefined
  }
  const alg = isObject(headers) ? headers.alg : undefined
  if (typeof alg !== 'string') throw new BuiltinError("missing or invalid 'alg' header")
  if (!TOKEN_ALGORITHMS.has(alg)) throw new BuiltinError(`unknown JWS algorithm: ${alg}`)
  const typ = isObject(headers) ? headers.typ : undefined
  if ((typeof typ !== 'string' || typ === 'JWT') && !isValidJson(payloadText)) {
    throw new BuiltinError('type is JWT but payload is not JSON')
  }
  const signingInput = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`
  const signature = signJws(alg, key, Buffer.from(signingInput))
  return `${signingInput}.${signature.toString('base64url')}`
}

export function jwtBuiltins(host: HostContext): BuiltinTable {
  const nowNs = () => host.scope.nowNs()
  return {
    'io.jwt.decode': jwtDecode,
    'io.jwt.decode_verify': decodeVerify(nowNs),
    'io.jwt.verify_rs256': verifyWith('RS', '256'),
    'io.jwt.verify_rs384': verifyWith('RS', '384'),
    'io.jwt.verify_rs512': verifyWith('RS', '512'),
    'io.jwt.verify_ps256': verifyWith('PS', '256'),
    'io.jwt.verify_ps384': verifyWith('PS', '384'),
    'io.jwt.verify_ps512': verifyWith('PS', '512'),
    'io.jwt.verify_es256': verifyWith('ES', '256'),
    'io.jwt.verify_es384': verifyWith('ES', '384'),
    'io.jwt.verify_es512': verifyWith('ES', '512'),
    'io.jwt.verify_eddsa': verifyWith('EdDSA', ''),
    'io.jwt.verify_hs256': verifyHs('256'),
    'io.jwt.verify_hs384': verifyHs('384'),
    'io.jwt.verify_hs512': verifyHs('512'),
    'io.jwt.encode_sign': (headers, payload, key) =>
      encodeSign(goJsonMarshal(headers), goJsonMarshal(payload), goJsonMarshal(key)),
    'io.jwt.encode_sign_raw': (headers, payload, key) =>
      encodeSign(stringOperand(headers, 1), stringOperand(payload, 2), stringOperand(key, 3)),
  }
}
