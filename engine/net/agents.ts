// The keep-alive agents and Authorization header every outbound client builds from the same credentials: bundle
// downloads, decision-log uploads, and registries to come.
import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'

export interface HttpCredentials {
  /** Sent as `Authorization: <scheme> <token>`. */
  bearerToken?: string | undefined
  /** Default "Bearer". */
  bearerScheme?: string | undefined
  /** PEM client certificate and key for mutual TLS. */
  clientCertificate?:
    | { cert: string | Buffer; key: string | Buffer; passphrase?: string | undefined }
    | undefined
  /** PEM CA certificate(s) trusted for the server, in place of the system's. */
  caCertificate?: string | Buffer | undefined
}

export interface Agents {
  http: HttpAgent
  https: HttpsAgent
  destroy(): void
}

/** Keep-alive agents holding at most `maxSockets` connections each; TLS settings from the credentials. */
export function createAgents(credentials: HttpCredentials, maxSockets: number): Agents {
  const http = new HttpAgent({ keepAlive: true, maxSockets })
  const https = new HttpsAgent({
    keepAlive: true,
    maxSockets,
    ...(credentials.clientCertificate === undefined
      ? {}
      : {
          cert: credentials.clientCertificate.cert,
          key: credentials.clientCertificate.key,
          passphrase: credentials.clientCertificate.passphrase,
        }),
    ...(credentials.caCertificate === undefined ? {} : { ca: credentials.caCertificate }),
  })
  return {
    http,
    https,
    destroy() {
      http.destroy()
      https.destroy()
    },
  }
}

/** The Authorization header value for the credentials, or undefined when they carry no token. */
export function authorizationHeader(credentials: HttpCredentials): string | undefined {
  return credentials.bearerToken === undefined
    ? undefined
    : `${credentials.bearerScheme ?? 'Bearer'} ${credentials.bearerToken}`
}
