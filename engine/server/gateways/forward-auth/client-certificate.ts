// The client certificate a proxy verified, read from the header it forwards it in: Envoy's and Istio's
// X-Forwarded-Client-Cert (`By=…;Hash=…;URI=spiffe://…`, one element per hop, the last one the proxy's own peer) or
// a PEM certificate (nginx's $ssl_client_escaped_cert, URL-escaped; Caddy's placeholder). The result names the
// client by its SPIFFE ID (URI SAN) and its SHA-256 fingerprint.
import { X509Certificate } from 'node:crypto'
import { ClearanceError, ErrorCodes } from '../../../errors.js'

export interface ClientIdentity {
  /** The certificate's SPIFFE ID (URI subject alternative name), when it has one. */
  principal?: string
  /** "sha256:<hex>" of the certificate's DER bytes. */
  cert_fingerprint?: string
}

const invalid = (message: string): ClearanceError => new ClearanceError(ErrorCodes.invalidParameter, message)

/** Splits on `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (char === '\\' && quoted && i + 1 < text.length) {
      current += char + text[i + 1]
      i++
    } else if (char === '"') {
      quoted = !quoted
      current += char
    } else if (char === separator && !quoted) {
      parts.push(current)
      current = ''
    } else current += char
  }
  parts.push(current)
  return parts
}

function fromXfcc(value: string): ClientIdentity {
  const elements = splitOutsideQuotes(value, ',')
  const last = elements[elements.length - 1] ?? ''
  const identity: ClientIdentity = {}
  for (const pair of splitOutsideQuotes(last, ';')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const key = pair.slice(0, eq).trim().toLowerCase()
    const raw = pair.slice(eq + 1).trim()
    const text = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
    if (key === 'uri' && text.startsWith('spiffe://')) identity.principal = text
    else if (key === 'hash' && /^[0-9a-f]{64}$/i.test(text))
      identity.cert_fingerprint = `sha256:${text.toLowerCase()}`
    else if (key === 'cert' && identity.cert_fingerprint === undefined) {
      const fromCert = fromPem(decodeURIComponent(text))
      if (identity.principal === undefined && fromCert.principal !== undefined)
        identity.principal = fromCert.principal
      identity.cert_fingerprint = fromCert.cert_fingerprint
    }
  }
  if (identity.principal === undefined && identity.cert_fingerprint === undefined) {
    throw invalid('the client-certificate header names neither a SPIFFE URI nor a certificate hash')
  }
  return identity
}

function fromPem(pem: string): ClientIdentity {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(pem)
  } catch (thrown) {
    throw invalid(`the client-certificate header holds no readable certificate: ${(thrown as Error).message}`)
  }
  const identity: ClientIdentity = {
    cert_fingerprint: `sha256:${certificate.fingerprint256.replaceAll(':', '').toLowerCase()}`,
  }
  const uri = /(?:^|,\s*)URI:(spiffe:\/\/[^,\s]+)/.exec(certificate.subjectAltName ?? '')
  if (uri !== null) identity.principal = uri[1]!
  return identity
}

/** The identity in a client-certificate header; undefined when the header is absent or empty. */
export function clientIdentityFromHeader(value: string | undefined): ClientIdentity | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const text = value.trim()
  if (text.startsWith('-----BEGIN') || text.startsWith('%2D%2D%2D%2D%2DBEGIN')) {
    let pem: string
    try {
      pem = decodeURIComponent(text)
    } catch {
      throw invalid('the client-certificate header is not validly URL-escaped')
    }
    return fromPem(pem)
  }
  return fromXfcc(text)
}
