// Compact JWS tokens signed by hand, byte for byte what an identity provider sends, for policies that verify them.
import { createHmac, createPrivateKey, type KeyObject, sign } from 'node:crypto'

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** `claims` as an RS256 JWT signed with `key` (a PEM private key or a KeyObject). */
export function signRs256(claims: object, key: string | KeyObject): string {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}`
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

/** `claims` as an HS256 JWT with the shared `secret`. */
export function signHs256(claims: object, secret: string): string {
  const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
