// One HTTPS request from a client that may present a certificate, answered as status and parsed JSON.
import { request } from 'node:https'
import type { Credential } from '../../helpers/pki.js'

export interface HttpsAnswer {
  status: number
  body: unknown
}

export function httpsJson(
  url: string,
  options: { ca: string; client?: Credential | undefined; method?: string; headers?: Record<string, string> },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        ...(options.client === undefined ? {} : { cert: options.client.cert, key: options.client.key }),
        headers: { 'content-type': 'application/json', ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) })
        })
      },
    )
    req.on('error', reject)
    req.end(options.method === 'POST' ? '{}' : undefined)
  })
}
