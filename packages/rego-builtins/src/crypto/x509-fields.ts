// Go's crypto/x509 view of certificates and certificate requests, as JSON (what OPA's crypto.x509.* builtins
// return: json.Marshal of x509.Certificate / x509.CertificateRequest). Byte fields are base64, OIDs are arrays
// of arcs, big integers stay exact (bigint), times are RFC 3339 in UTC, enums are Go's numeric constants.

import { integerValue } from '../go/index.js'
import { BuiltinError } from '../host/index.js'
import {
  bitString,
  children,
  integer,
  oidArcs,
  oidString,
  parseDer,
  stringValue,
  type Tlv,
  time,
} from './asn1-der.js'
import { applyExtensions, nullIfEmpty } from './x509-extensions.js'

type Json = Record<string, unknown>

const SIGNATURE_ALGORITHMS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1,
  '1.2.840.113549.1.1.4': 2,
  '1.2.840.113549.1.1.5': 3,
  '1.2.840.113549.1.1.11': 4,
  '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6,
  '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8,
  '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10,
  '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12,
  '1.3.101.112': 16,
}

const PSS_HASHES: Record<string, number> = {
  '2.16.840.1.101.3.4.2.1': 13,
  '2.16.840.1.101.3.4.2.2': 14,
  '2.16.840.1.101.3.4.2.3': 15,
}

const b64 = (b: Buffer): string => Buffer.from(b).toString('base64')

function rfc3339(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso.replace(/0+Z$/, 'Z')
}

/** pkix.Name.FillFromRDNSequence, as JSON. */
export function parseName(rdns: Tlv): Json {
  const name: Json = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: [] as Json[],
    ExtraNames: null,
  }
  const append = (field: string, v: string) => {
    name[field] = [...((name[field] as string[] | null) ?? []), v]
  }
  for (const rdn of children(rdns)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv)
      if (type === undefined || value === undefined) throw new BuiltinError('x509: invalid RDNSequence')
      const oid = oidString(type)
      const isString = [0x0c, 0x13, 0x16, 0x14, 0x1e, 0x1c, 0x12, 0x1a].includes(value.tag)
      const v = isString
        ? stringValue(value)
        : value.tag === 0x02
          ? integerValue(integer(value))
          : b64(value.value)
      ;(name.Names as Json[]).push({ Type: oidArcs(type), Value: v })
      if (typeof v !== 'string') continue
      switch (oid) {
        case '2.5.4.3':
          name.CommonName = v
          break
        case '2.5.4.5':
          name.SerialNumber = v
          break
        case '2.5.4.6':
          append('Country', v)
          break
        case '2.5.4.7':
          append('Locality', v)
          break
        case '2.5.4.8':
          append('Province', v)
          break
        case '2.5.4.9':
          append('StreetAddress', v)
          break
        case '2.5.4.10':
          append('Organization', v)
          break
        case '2.5.4.11':
          append('OrganizationalUnit', v)
          break
        case '2.5.4.17':
          append('PostalCode', v)
          break
      }
    }
  }
  if ((name.Names as Json[]).length === 0) name.Names = null
  return name
}

function signatureAlgorithm(alg: Tlv): number {
  const [oid, params] = children(alg)
  if (oid === undefined) return 0
  const s = oidString(oid)
  if (s === '1.2.840.113549.1.1.10' && params !== undefined && params.constructed) {
    const hashParam = children(params).find((c) => c.cls === 2 && c.tag === 0)
    const hashAlg = hashParam === undefined ? undefined : children(hashParam)[0]
    const hashOid = hashAlg === undefined ? undefined : children(hashAlg)[0]
    return hashOid === undefined ? 0 : (PSS_HASHES[oidString(hashOid)] ?? 0)
  }
  return SIGNATURE_ALGORITHMS[s] ?? 0
}

const CURVES: Record<string, number> = {
  '1.3.132.0.33': 28,
  '1.2.840.10045.3.1.7': 32,
  '1.3.132.0.34': 48,
  '1.3.132.0.35': 66,
}

function publicKey(spki: Tlv): { algorithm: number; key: unknown } {
  const [alg, bits] = children(spki)
  if (alg === undefined || bits === undefined)
    throw new BuiltinError('x509: malformed subject public key info')
  const [oidTlv, params] = children(alg)
  const oid = oidTlv === undefined ? '' : oidString(oidTlv)
  const { bytes } = bitString(bits)
  switch (oid) {
    case '1.2.840.113549.1.1.1': {
      const [n, e] = children(parseDer(bytes))
      if (n === undefined || e === undefined) throw new BuiltinError('x509: invalid RSA public key')
      return { algorithm: 1, key: { N: integerValue(integer(n)), E: integerValue(integer(e)) } }
    }
    case '1.2.840.10045.2.1': {
      const size = params === undefined ? undefined : CURVES[oidString(params)]
      if (size === undefined || bytes[0] !== 4 || bytes.length !== 1 + 2 * size) {
        throw new BuiltinError('x509: unsupported elliptic curve')
      }
      const x = BigInt(`0x${bytes.subarray(1, 1 + size).toString('hex')}`)
      const y = BigInt(`0x${bytes.subarray(1 + size).toString('hex')}`)
      return { algorithm: 3, key: { Curve: {}, X: integerValue(x), Y: integerValue(y) } }
    }
    case '1.3.101.112':
      return { algorithm: 4, key: b64(bytes) }
    case '1.2.840.10040.4.1':
      return { algorithm: 2, key: {} }
    default:
      return { algorithm: 0, key: null }
  }
}

/** net.IP.String(). */
export function certificateJson(der: Buffer): Json {
  const root = parseDer(der)
  const [tbs, sigAlg, sig] = children(root)
  if (tbs === undefined || sigAlg === undefined || sig === undefined)
    throw new BuiltinError('x509: malformed certificate')
  const fields = children(tbs)
  let i = 0
  let version = 1
  if (fields[0]?.cls === 2 && fields[0].tag === 0) {
    version = Number(integer(children(fields[0])[0] as Tlv)) + 1
    i++
  }
  const serial = fields[i++] as Tlv
  i++ // signature algorithm inside TBS
  const issuer = fields[i++] as Tlv
  const validity = fields[i++] as Tlv
  const subject = fields[i++] as Tlv
  const spki = fields[i++] as Tlv
  const rest = fields.slice(i)
  const extsWrapper = rest.find((f) => f.cls === 2 && f.tag === 3)
  const exts = extsWrapper === undefined ? undefined : children(extsWrapper)[0]
  const [notBefore, notAfter] = children(validity)
  const pk = publicKey(spki)
  const cert: Json = {
    Raw: b64(root.raw),
    RawTBSCertificate: b64(tbs.raw),
    RawSubjectPublicKeyInfo: b64(spki.raw),
    RawSubject: b64(subject.raw),
    RawIssuer: b64(issuer.raw),
    Signature: b64(bitString(sig).bytes),
    SignatureAlgorithm: signatureAlgorithm(sigAlg),
    PublicKeyAlgorithm: pk.algorithm,
    PublicKey: pk.key,
    Version: version,
    SerialNumber: integerValue(integer(serial)),
    Issuer: parseName(issuer),
    Subject: parseName(subject),
    NotBefore: rfc3339(time(notBefore as Tlv)),
    NotAfter: rfc3339(time(notAfter as Tlv)),
    KeyUsage: 0,
    Extensions: null,
    ExtraExtensions: null,
    UnhandledCriticalExtensions: null,
    ExtKeyUsage: null,
    UnknownExtKeyUsage: null,
    BasicConstraintsValid: false,
    IsCA: false,
    MaxPathLen: 0,
    MaxPathLenZero: false,
    SubjectKeyId: null,
    AuthorityKeyId: null,
    OCSPServer: null,
    IssuingCertificateURL: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
    PermittedDNSDomainsCritical: false,
    PermittedDNSDomains: null,
    ExcludedDNSDomains: null,
    PermittedIPRanges: null,
    ExcludedIPRanges: null,
    PermittedEmailAddresses: null,
    ExcludedEmailAddresses: null,
    PermittedURIDomains: null,
    ExcludedURIDomains: null,
    CRLDistributionPoints: null,
    PolicyIdentifiers: null,
    Policies: null,
    InhibitAnyPolicy: 0,
    InhibitAnyPolicyZero: false,
    InhibitPolicyMapping: 0,
    InhibitPolicyMappingZero: false,
    RequireExplicitPolicy: 0,
    RequireExplicitPolicyZero: false,
    PolicyMappings: null,
  }
  const uriStrings: string[] = []
  applyExtensions(cert, exts, uriStrings)
  cert.URIStrings = nullIfEmpty(uriStrings)
  return cert
}

/** x509.ParseCertificateRequest, as JSON. */
export function certificateRequestJson(der: Buffer): Json {
  const root = parseDer(der)
  const [info, sigAlg, sig] = children(root)
  if (info === undefined || sigAlg === undefined || sig === undefined) {
    throw new BuiltinError('x509: malformed certificate request')
  }
  const [version, subject, spki, attrs] = children(info)
  if (version === undefined || subject === undefined || spki === undefined) {
    throw new BuiltinError('x509: malformed certificate request')
  }
  const pk = publicKey(spki)
  const csr: Json = {
    Raw: b64(root.raw),
    RawTBSCertificateRequest: b64(info.raw),
    RawSubjectPublicKeyInfo: b64(spki.raw),
    RawSubject: b64(subject.raw),
    Version: Number(integer(version)),
    Signature: b64(bitString(sig).bytes),
    SignatureAlgorithm: signatureAlgorithm(sigAlg),
    PublicKeyAlgorithm: pk.algorithm,
    PublicKey: pk.key,
    Subject: parseName(subject),
    Attributes: null,
    Extensions: null,
    ExtraExtensions: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
  }
  const attributes: Json[] = []
  const extensions: Json[] = []
  if (attrs !== undefined) {
    for (const attr of children(attrs)) {
      const [type, values] = children(attr)
      if (type === undefined || values === undefined) continue
      const setOfSeqs: Json[][] = []
      try {
        for (const seq of children(values)) {
          setOfSeqs.push(
            children(seq).map((atv) => {
              const [t, v] = children(atv)
              return { Type: oidArcs(t as Tlv), Value: v?.constructed ? null : stringValue(v as Tlv) }
            }),
          )
        }
        attributes.push({ Type: oidArcs(type), Value: setOfSeqs })
      } catch {
        // Go skips attributes that do not fit its deprecated shape.
      }
      if (oidString(type) === '1.2.840.113549.1.9.14') {
        const extSeq = children(values)[0]
        if (extSeq !== undefined) {
          const holder: Json = {}
          const uriStrings: string[] = []
          applyExtensions(holder, extSeq, uriStrings)
          extensions.push(...((holder.Extensions as Json[] | null) ?? []))
          for (const k of ['DNSNames', 'EmailAddresses', 'IPAddresses', 'URIs'] as const) {
            if (holder[k] !== undefined) csr[k] = holder[k]
          }
        }
      }
    }
  }
  csr.Attributes = nullIfEmpty(attributes)
  csr.Extensions = nullIfEmpty(extensions)
  return csr
}
