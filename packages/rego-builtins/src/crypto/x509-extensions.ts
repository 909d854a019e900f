// The X.509 extensions Go's crypto/x509 turns into certificate fields (key usage, basic constraints, subject
// alternative names, extended key usage, key ids, CRL distribution points, authority info access, policies,
// name constraints), applied to the JSON view x509-fields.ts builds.

import { isIP } from 'node:net'
import { formatIpv6Groups, type GoUrl, parseGoUrl } from '../go/index.js'
import { BuiltinError } from '../host/index.js'
import { bitString, children, integer, oidArcs, oidString, parseDer, type Tlv } from './asn1-der.js'

type Json = Record<string, unknown>

const b64 = (b: Buffer): string => Buffer.from(b).toString('base64')

const EXT_KEY_USAGES: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
}

/** Extensions Go's parser understands; a critical one not listed here is "unhandled". */
const HANDLED_EXTENSIONS = new Set([
  '2.5.29.14',
  '2.5.29.15',
  '2.5.29.17',
  '2.5.29.19',
  '2.5.29.30',
  '2.5.29.31',
  '2.5.29.32',
  '2.5.29.33',
  '2.5.29.35',
  '2.5.29.36',
  '2.5.29.37',
  '2.5.29.54',
  '1.3.6.1.5.5.7.1.1',
])

export function ipString(b: Buffer): string {
  if (b.length === 4) return [...b].join('.')
  if (b.length !== 16) throw new BuiltinError('x509: invalid IP address length')
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff)
    return [...b.subarray(12)].join('.')
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i))
  return formatIpv6Groups(groups)
}

function goUrlJson(u: GoUrl): Json {
  return {
    Scheme: u.Scheme,
    Opaque: u.Opaque,
    User: u.User === null ? null : {},
    Host: u.Host,
    Path: u.Path,
    Fragment: u.Fragment,
    RawQuery: u.RawQuery,
    RawPath: u.RawPath,
    RawFragment: u.RawFragment,
    ForceQuery: u.ForceQuery,
    OmitHost: u.OmitHost,
  }
}

interface SanNames {
  dns: string[]
  emails: string[]
  ips: string[]
  uris: Json[]
  uriStrings: string[]
}

function generalNames(seq: Tlv): SanNames {
  const out: SanNames = { dns: [], emails: [], ips: [], uris: [], uriStrings: [] }
  for (const gn of children(seq)) {
    if (gn.cls !== 2) continue
    const text = gn.value.toString('latin1')
    switch (gn.tag) {
      case 1:
        out.emails.push(text)
        break
      case 2:
        out.dns.push(text)
        break
      case 6: {
        const u = parseGoUrl(text)
        if (u.Host !== '' && isIP(u.Host.replace(/^\[|\]$/g, '')) === 0 && !/^[A-Za-z0-9.-]+$/.test(u.Host)) {
          throw new BuiltinError(`x509: cannot parse URI ${JSON.stringify(text)}: invalid domain`)
        }
        out.uris.push(goUrlJson(u))
        out.uriStrings.push(text)
        break
      }
      case 7:
        out.ips.push(ipString(gn.value))
        break
    }
  }
  return out
}

function uriNames(gns: Tlv): string[] {
  return children(gns)
    .filter((gn) => gn.cls === 2 && gn.tag === 6)
    .map((gn) => gn.value.toString('latin1'))
}

export function nullIfEmpty<T>(xs: T[]): T[] | null {
  return xs.length === 0 ? null : xs
}

/** Applies the extensions Go parses into certificate fields; returns the Extensions list. */
export function applyExtensions(cert: Json, exts: Tlv | undefined, uriStrings: string[]): void {
  const list: Json[] = []
  const unhandled: number[][] = []
  if (exts !== undefined) {
    for (const ext of children(exts)) {
      const parts = children(ext)
      const oidTlv = parts[0] as Tlv
      const critical = parts.length === 3 && (parts[1] as Tlv).value[0] !== 0
      const valueTlv = parts[parts.length - 1] as Tlv
      const oid = oidString(oidTlv)
      const value = valueTlv.value
      list.push({ Id: oidArcs(oidTlv), Critical: critical, Value: b64(value) })
      if (critical && !HANDLED_EXTENSIONS.has(oid)) unhandled.push(oidArcs(oidTlv))
      const inner = () => parseDer(value)
      switch (oid) {
        case '2.5.29.15': {
          const { bytes } = bitString(inner())
          let usage = 0
          for (let i = 0; i < 9; i++) {
            const byte = bytes[i >> 3] ?? 0
            if (byte & (0x80 >> (i & 7))) usage |= 1 << i
          }
          cert.KeyUsage = usage
          break
        }
        case '2.5.29.19': {
          const fields = children(inner())
          let isCA = false
          let maxPathLen = -1
          for (const f of fields) {
            if (f.tag === 0x01) isCA = f.value[0] !== 0
            else if (f.tag === 0x02) maxPathLen = Number(integer(f))
          }
          cert.IsCA = isCA
          cert.MaxPathLen = maxPathLen
          cert.BasicConstraintsValid = true
          cert.MaxPathLenZero = maxPathLen === 0
          break
        }
        case '2.5.29.17': {
          const names = generalNames(inner())
          cert.DNSNames = nullIfEmpty(names.dns)
          cert.EmailAddresses = nullIfEmpty(names.emails)
          cert.IPAddresses = nullIfEmpty(names.ips)
          cert.URIs = nullIfEmpty(names.uris)
          uriStrings.push(...names.uriStrings)
          if (
            critical &&
            names.dns.length + names.emails.length + names.ips.length + names.uris.length === 0
          ) {
            unhandled.push(oidArcs(oidTlv))
          }
          break
        }
        case '2.5.29.37': {
          const known: number[] = []
          const unknown: number[][] = []
          for (const o of children(inner())) {
            const k = EXT_KEY_USAGES[oidString(o)]
            if (k === undefined) unknown.push(oidArcs(o))
            else known.push(k)
          }
          cert.ExtKeyUsage = nullIfEmpty(known)
          cert.UnknownExtKeyUsage = nullIfEmpty(unknown)
          break
        }
        case '2.5.29.14':
          cert.SubjectKeyId = b64(inner().value)
          break
        case '2.5.29.35': {
          const keyId = children(inner()).find((c) => c.cls === 2 && c.tag === 0)
          if (keyId !== undefined) cert.AuthorityKeyId = b64(keyId.value)
          break
        }
        case '2.5.29.31': {
          const urls: string[] = []
          for (const dp of children(inner())) {
            const name = children(dp).find((c) => c.cls === 2 && c.tag === 0)
            const full =
              name === undefined ? undefined : children(name).find((c) => c.cls === 2 && c.tag === 0)
            if (full !== undefined) urls.push(...uriNames(full))
          }
          cert.CRLDistributionPoints = nullIfEmpty(urls)
          break
        }
        case '1.3.6.1.5.5.7.1.1': {
          const ocsp: string[] = []
          const issuers: string[] = []
          for (const ad of children(inner())) {
            const [method, location] = children(ad)
            if (method === undefined || location === undefined || location.cls !== 2 || location.tag !== 6)
              continue
            const m = oidString(method)
            if (m === '1.3.6.1.5.5.7.48.1') ocsp.push(location.value.toString('latin1'))
            else if (m === '1.3.6.1.5.5.7.48.2') issuers.push(location.value.toString('latin1'))
          }
          cert.OCSPServer = nullIfEmpty(ocsp)
          cert.IssuingCertificateURL = nullIfEmpty(issuers)
          break
        }
        case '2.5.29.32': {
          const ids: number[][] = []
          const policies: string[] = []
          for (const pi of children(inner())) {
            const o = children(pi)[0]
            if (o === undefined) continue
            ids.push(oidArcs(o))
            policies.push(oidString(o))
          }
          cert.PolicyIdentifiers = nullIfEmpty(ids)
          cert.Policies = nullIfEmpty(policies)
          break
        }
        case '2.5.29.30':
          applyNameConstraints(cert, inner(), critical)
          break
      }
    }
  }
  cert.Extensions = nullIfEmpty(list)
  cert.UnhandledCriticalExtensions = nullIfEmpty(unhandled)
}

function applyNameConstraints(cert: Json, nc: Tlv, critical: boolean): void {
  cert.PermittedDNSDomainsCritical = critical
  for (const subtrees of children(nc)) {
    const prefix = subtrees.tag === 0 ? 'Permitted' : 'Excluded'
    const dns: string[] = []
    const ips: Json[] = []
    const emails: string[] = []
    const uris: string[] = []
    for (const subtree of children(subtrees)) {
      const base = children(subtree)[0]
      if (base === undefined || base.cls !== 2) continue
      switch (base.tag) {
        case 1:
          emails.push(base.value.toString('latin1'))
          break
        case 2:
          dns.push(base.value.toString('latin1'))
          break
        case 6:
          uris.push(base.value.toString('latin1'))
          break
        case 7: {
          const half = base.value.length / 2
          ips.push({ IP: ipString(base.value.subarray(0, half)), Mask: b64(base.value.subarray(half)) })
          break
        }
      }
    }
    cert[`${prefix}DNSDomains`] = nullIfEmpty(dns)
    cert[`${prefix}IPRanges`] = nullIfEmpty(ips)
    cert[`${prefix}EmailAddresses`] = nullIfEmpty(emails)
    cert[`${prefix}URIDomains`] = nullIfEmpty(uris)
  }
}

/** x509.ParseCertificate + OPA's URIStrings, as JSON. */
