// crypto.md5 / sha1 / sha256 and the crypto.hmac.* family over the UTF-8 bytes of strings, hex-encoded like OPA.
// crypto.hmac.equal compares in constant time. (X.509 and key parsing live in x509.ts.)
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { BuiltinTable } from '../host/index.js'
import { stringOperand } from '../host/index.js'

function digest(algorithm: string) {
  return (value: unknown) => createHash(algorithm).update(stringOperand(value, 1), 'utf8').digest('hex')
}

function hmac(algorithm: string) {
  return (message: unknown, key: unknown) => {
    const m = stringOperand(message, 1)
    const k = stringOperand(key, 2)
    return createHmac(algorithm, Buffer.from(k, 'utf8')).update(m, 'utf8').digest('hex')
  }
}

function hmacEqual(a: unknown, b: unknown): boolean {
  const x = Buffer.from(stringOperand(a, 1), 'utf8')
  const y = Buffer.from(stringOperand(b, 2), 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

export function cryptoBuiltins(): BuiltinTable {
  return {
    'crypto.md5': digest('md5'),
    'crypto.sha1': digest('sha1'),
    'crypto.sha256': digest('sha256'),
    'crypto.hmac.md5': hmac('md5'),
    'crypto.hmac.sha1': hmac('sha1'),
    'crypto.hmac.sha256': hmac('sha256'),
    'crypto.hmac.sha512': hmac('sha512'),
    'crypto.hmac.equal': hmacEqual,
  }
}
