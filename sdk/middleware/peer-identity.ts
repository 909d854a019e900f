// The calling workload's identity from the mutual-TLS client certificate: its SPIFFE ID (the one URI SAN of an
// X.509-SVID) and the SHA-256 fingerprint of the DER certificate, and whether the certificate chained to the
// server's trust bundle.
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import type { PeerCertificate, TLSSocket } from 'node:tls'

export interface PeerIdentity {
  /** The certificate's SPIFFE ID; undefined when it has none, or more than one (not a valid SVID). */
  spiffeId: string | undefined
  /** "sha256:" and the lowercase hex SHA-256 of the DER certificate. */
  fingerprint: string
  /** The certificate chained to the trust bundle the TLS server was configured with. */
  verified: boolean
}

const SAN_ENTRY = /(?:^|,\s*)URI:("(?:[^"\\]|\\.)*"|[^,]*)/g

/** The SPIFFE ID in a certificate's `subjectaltname` ("URI:spiffe://…, DNS:…"), when there is exactly one. */
export function spiffeIdOf(subjectAltName: string | undefined): string | undefined {
  if (subjectAltName === undefined) return undefined
  const ids: string[] = []
  for (const match of subjectAltName.matchAll(SAN_ENTRY)) {
    let uri = match[1]!.trim()
    // Node quotes entries holding characters that would be ambiguous in the list, as JSON strings.
    if (uri.startsWith('"')) {
      try {
        uri = JSON.parse(uri) as string
      } catch {
        continue
      }
    }
    if (uri.startsWith('spiffe://')) ids.push(uri)
  }
  return ids.length === 1 ? ids[0] : undefined
}

const isTls = (socket: Socket | TLSSocket | undefined): socket is TLSSocket =>
  socket !== undefined && (socket as TLSSocket).encrypted === true

/** The client certificate's identity, or undefined when the connection is not TLS or no certificate was sent. */
export function peerIdentity(socket: Socket | TLSSocket | undefined): PeerIdentity | undefined {
  if (!isTls(socket)) return undefined
  const certificate = socket.getPeerCertificate() as PeerCertificate | Record<string, never>
  if (certificate === null || !('raw' in certificate) || certificate.raw === undefined) return undefined
  return {
    spiffeId: spiffeIdOf(certificate.subjectaltname),
    fingerprint: `sha256:${createHash('sha256').update(certificate.raw).digest('hex')}`,
    verified: socket.authorized === true,
  }
}

/** True when the connection is TLS. */
export function isTlsSocket(socket: Socket | TLSSocket | undefined): boolean {
  return isTls(socket)
}
