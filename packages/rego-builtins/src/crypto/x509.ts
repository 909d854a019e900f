// crypto.x509.* and crypto.parse_private_keys with OPA's input rules (PEM, or base64 of PEM or of DER) and
// Go's output shapes (x509-fields.ts). Chain verification follows OPA: the first certificate is the root, the
// last the leaf, the rest intermediates; the leaf must chain to the root with valid signatures, CA issuers,
// current validity and (by default) server-auth extended key usage; the chain comes back leaf first.
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { integerValue } from '../go/index.js'
import type { BuiltinTable, HostContext } from '../host/index.js'
import { BuiltinError, objectOperand, operandError, stringOperand } from '../host/index.js'
import type { JsonObject } from '../values/index.js'
import { pemDecode, pemEncode } from './pem.js'
import { certificateJson, certificateRequestJson } from './x509-fields.js'

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Go's base64.StdEncoding.DecodeString (newlines ignored, padding required). */
function stdBase64(s: string): Buffer {
  const clean = s.replace(/[\r\n]/g, '')
  if (!STD_BASE64.test(clean) || clean.length % 4 !== 0) {
    const bad = clean.search(/[^A-Za-z0-9+/=]/)
    throw new BuiltinError(`illegal base64 data at input byte ${bad < 0 ? clean.length : bad}`)
  }
  return Buffer.from(clean, 'base64')
}

/** DER certificates concatenated (x509.ParseCertificates). */
function splitDer(der: Buffer): Buffer[] {
  const out: Buffer[] = []
  let pos = 0
  while (pos < der.length) {
    if (der[pos] !== 0x30) throw new BuiltinError('x509: malformed certificate')
    let len = der[pos + 1] ?? 0
    let header = 2
    if (len & 0x80) {
      const n = len & 0x7f
      len = 0
      for (let i = 0; i < n; i++) len = len * 256 + (der[pos + 2 + i] ?? 0)
      header += n
    }
    const end = pos + header + len
    if (end > der.length) throw new BuiltinError('x509: malformed certificate')
    out.push(der.subarray(pos, end))
    pos = end
  }
  return out
}

function certsFromPem(text: string): Buffer[] {
  const ders: Buffer[] = []
  let rest = text
  while (rest.length > 0) {
    const { block, rest: next } = pemDecode(rest)
    if (block === undefined) break
    if (block.type !== 'CERTIFICATE') {
      throw new BuiltinError(`PEM block type is '${block.type}', expected CERTIFICATE`)
    }
    ders.push(...splitDer(block.bytes))
    rest = next
  }
  return ders
}

/** OPA's getX509CertsFromString: PEM, base64 of PEM, or base64 of DER. */
function certificatesFrom(input: string): Buffer[] {
  let ders: Buffer[]
  if (input.startsWith('-----BEGIN')) ders = certsFromPem(input)
  else {
    const bytes = stdBase64(input)
    ders = bytes.subarray(0, 10).toString('latin1').startsWith('-----BEGIN')
      ? certsFromPem(bytes.toString('latin1'))
      : splitDer(bytes)
  }
  for (const der of ders) {
    try {
      new X509Certificate(der)
    } catch (error) {
      throw new BuiltinError(`x509: ${(error as Error).message}`)
    }
  }
  return ders
}

const KEY_USAGES: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
}

interface VerifyOptions {
  dnsName: string
  currentTimeMs: number | undefined
  keyUsages: number[]
}

function verifyOptions(options: JsonObject): VerifyOptions {
  const out: VerifyOptions = { dnsName: '', currentTimeMs: undefined, keyUsages: [] }
  for (const [k, v] of Object.entries(options)) {
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') throw new BuiltinError("'DNSName' should be a string")
        out.dnsName = v.replace(/^"+|"+$/g, '')
        break
      case 'CurrentTime':
        if (typeof v !== 'number' && typeof v !== 'bigint')
          throw new BuiltinError("'CurrentTime' should be a number")
        out.currentTimeMs = Number(BigInt(Math.trunc(Number(v))) / 1_000_000n)
        break
      case 'MaxConstraintComparisons':
        if (typeof v !== 'number') throw new BuiltinError("'MaxConstraintComparisons' should be a number")
        break
      case 'KeyUsages': {
        if (!Array.isArray(v)) throw new BuiltinError("'KeyUsages' should be an Array or Set")
        const invalid: string[] = []
        for (const u of v) {
          if (typeof u !== 'string') continue
          const name = u.replace(/^"+|"+$/g, '')
          const usage = KEY_USAGES[name]
          if (usage === undefined) invalid.push(name)
          else out.keyUsages.push(usage)
        }
        if (invalid.length > 0)
          throw new BuiltinError(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`)
        break
      }
      default:
        throw new BuiltinError('invalid key option')
    }
  }
  return out
}

interface ParsedCert {
  der: Buffer
  x509: X509Certificate
  json: JsonObject
}

function withinValidity(c: ParsedCert, now: number): boolean {
  return now >= Date.parse(c.json.NotBefore as string) && now <= Date.parse(c.json.NotAfter as string)
}

function usageAllowed(c: ParsedCert, wanted: number[]): boolean {
  const eku = (c.json.ExtKeyUsage as number[] | null) ?? []
  const unknown = (c.json.UnknownExtKeyUsage as unknown[] | null) ?? []
  if (eku.length === 0 && unknown.length === 0) return true
  if (eku.includes(0) || wanted.includes(0)) return true
  return wanted.some((w) => eku.includes(w))
}

function hostnameMatches(c: ParsedCert, host: string): boolean {
  const ips = (c.json.IPAddresses as string[] | null) ?? []
  if (/^[\d.]+$/.test(host) || host.includes(':')) return ips.includes(host.replace(/^\[|\]$/g, ''))
  const want = host.toLowerCase().replace(/\.$/, '')
  return ((c.json.DNSNames as string[] | null) ?? []).some((pattern) => {
    const p = pattern.toLowerCase()
    if (p.startsWith('*.')) {
      const rest = want.indexOf('.')
      return rest > 0 && want.slice(rest) === p.slice(1)
    }
    return p === want
  })
}

function verifyChain(ders: Buffer[], opts: VerifyOptions, nowMs: number): ParsedCert[] {
  if (ders.length < 2) throw operandError(1, 'must supply at least two certificates to be able to verify')
  const certs = ders.map((der) => ({ der, x509: new X509Certificate(der), json: certificateJson(der) }))
  const root = certs[0] as ParsedCert
  const intermediates = certs.slice(1, -1)
  const leaf = certs[certs.length - 1] as ParsedCert
  const now = opts.currentTimeMs ?? nowMs
  const wanted = opts.keyUsages.length === 0 ? [1] : opts.keyUsages
  if (!withinValidity(leaf, now)) throw new BuiltinError('x509: certificate has expired or is not yet valid')
  if (opts.dnsName !== '' && !hostnameMatches(leaf, opts.dnsName))
    throw new BuiltinError('x509: certificate is not valid for the host')
  const isIssuer = (child: ParsedCert, parent: ParsedCert) =>
    child.x509.checkIssued(parent.x509) && child.x509.verify(parent.x509.publicKey)
  const extend = (chain: ParsedCert[]): ParsedCert[] | undefined => {
    const current = chain[chain.length - 1] as ParsedCert
    if (current.der.equals(root.der)) return chain
    if (chain.length > 10) return undefined
    for (const candidate of [root, ...intermediates]) {
      if (chain.some((c) => c.der.equals(candidate.der))) continue
      if (!isIssuer(current, candidate)) continue
      if (!withinValidity(candidate, now)) continue
      if (!candidate.json.BasicConstraintsValid || !candidate.json.IsCA) continue
      const found = extend([...chain, candidate])
      if (found !== undefined) return found
    }
    return undefined
  }
  const chain = extend([leaf])
  if (chain === undefined) throw new BuiltinError('x509: certificate signed by unknown authority')
  if (!chain.every((c) => usageAllowed(c, wanted))) {
    throw new BuiltinError('x509: certificate specifies an incompatible key usage')
  }
  return chain
}

function privateKeyJson(key: KeyObject): unknown {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>
  const big = (b64url: string | undefined) =>
    b64url === undefined
      ? null
      : integerValue(BigInt(`0x${Buffer.from(b64url, 'base64url').toString('hex') || '0'}`))
  switch (jwk.kty) {
    case 'RSA':
      return {
        N: big(jwk.n),
        E: big(jwk.e),
        D: big(jwk.d),
        Primes: [big(jwk.p), big(jwk.q)],
        Precomputed: { Dp: big(jwk.dp), Dq: big(jwk.dq), Qinv: big(jwk.qi), CRTValues: [] },
      }
    case 'EC':
      return { Curve: {}, X: big(jwk.x), Y: big(jwk.y), D: big(jwk.d) }
    case 'OKP':
      return Buffer.concat([
        Buffer.from(jwk.d ?? '', 'base64url'),
        Buffer.from(jwk.x ?? '', 'base64url'),
      ]).toString('base64')
    default:
      return null
  }
}

/** OPA's getPrivateKeysFromPEMData. */
function privateKeysFromPem(input: string): KeyObject[] {
  let text = input
  try {
    text = stdBase64(input).toString('latin1')
  } catch {
    // not base64: PEM text as given
  }
  const keys: KeyObject[] = []
  let rest = text
  while (rest.length > 0) {
    const { block, rest: next } = pemDecode(rest)
    if (block === undefined) break
    rest = next
    const parse = (type: 'pkcs1' | 'pkcs8' | 'sec1') => {
      try {
        return createPrivateKey({ key: block.bytes, format: 'der', type })
      } catch (error) {
        throw new BuiltinError(`x509: failed to parse private key: ${(error as Error).message}`)
      }
    }
    if (block.type === 'RSA PRIVATE KEY') keys.push(parse('pkcs1'))
    else if (block.type === 'PRIVATE KEY') keys.push(parse('pkcs8'))
    else if (block.type === 'EC PRIVATE KEY') keys.push(parse('sec1'))
  }
  return keys
}

function parseRsaPrivateKey(value: unknown): unknown {
  let text = stringOperand(value, 1)
  if (text === '') throw new BuiltinError('input PEM data was empty')
  if (!text.startsWith('-----BEGIN')) text = stdBase64(text).toString('latin1')
  const keys = privateKeysFromPem(text)
  const first = keys[0]
  if (first === undefined) return null
  return first.export({ format: 'jwk' })
}

function pemOrBase64(input: string, type: string): string {
  let text = input
  if (!text.startsWith('-----BEGIN ')) text = stdBase64(text).toString('latin1')
  if (!text.startsWith('-----BEGIN ')) text = pemEncode(type, Buffer.from(text, 'latin1'))
  return text
}

function parseKeyPair(certArg: unknown, keyArg: unknown): unknown {
  const certText = pemOrBase64(stringOperand(certArg, 1), 'CERTIFICATE')
  const keyText = pemOrBase64(stringOperand(keyArg, 1), 'PRIVATE KEY')
  const ders = certsFromPem(certText)
  const leafDer = ders[0]
  if (leafDer === undefined) throw new BuiltinError('tls: failed to find any PEM data in certificate input')
  const key = privateKeysFromPem(keyText)[0]
  if (key === undefined) throw new BuiltinError('tls: failed to find any PEM data in key input')
  const leaf = new X509Certificate(leafDer)
  const fromKey = createPublicKey(key).export({ format: 'der', type: 'spki' })
  const fromCert = leaf.publicKey.export({ format: 'der', type: 'spki' })
  if (!fromKey.equals(fromCert)) throw new BuiltinError('tls: private key does not match public key')
  return {
    Certificate: ders.map((d) => d.toString('base64')),
    PrivateKey: privateKeyJson(key),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: certificateJson(leafDer),
  }
}

function parseCertificateRequest(value: unknown): unknown {
  const input = stringOperand(value, 1)
  let bytes: Buffer = Buffer.from(input, 'latin1')
  if (!input.startsWith('-----BEGIN CERTIFICATE REQUEST-----')) bytes = stdBase64(input)
  const { block } = pemDecode(bytes.toString('latin1'))
  if (block !== undefined && block.type !== 'CERTIFICATE REQUEST') {
    throw new BuiltinError('invalid PEM-encoded certificate signing request')
  }
  return certificateRequestJson(block?.bytes ?? bytes)
}

export function x509Builtins(host: HostContext): BuiltinTable {
  const nowMs = () => Number(host.scope.nowNs() / 1_000_000n)
  return {
    'crypto.x509.parse_certificates': (value) =>
      certificatesFrom(stringOperand(value, 1)).map(certificateJson),
    'crypto.x509.parse_and_verify_certificates': (value) => {
      const input = stringOperand(value, 1)
      try {
        return [true, verifyChain(certificatesFrom(input), verifyOptions({}), nowMs()).map((c) => c.json)]
      } catch {
        return [false, []]
      }
    },
    'crypto.x509.parse_and_verify_certificates_with_options': (value, optionsArg) => {
      const input = stringOperand(value, 1)
      const options = objectOperand(optionsArg, 2)
      let ders: Buffer[]
      try {
        ders = certificatesFrom(input)
      } catch {
        return [false, []]
      }
      const opts = verifyOptions(options)
      try {
        return [
          true,
          verifyChain(ders, opts, nowMs()).map((c) => {
            const { URIStrings: _, ...rest } = c.json
            return rest
          }),
        ]
      } catch {
        return [false, []]
      }
    },
    'crypto.x509.parse_certificate_request': parseCertificateRequest,
    'crypto.x509.parse_keypair': parseKeyPair,
    'crypto.x509.parse_rsa_private_key': parseRsaPrivateKey,
    'crypto.parse_private_keys': (value) => {
      const input = stringOperand(value, 1)
      if (input === '') return null
      return privateKeysFromPem(input).map(privateKeyJson)
    },
  }
}
