// A misbehaving PDP on 127.0.0.1: a node:http server whose answer to each request is scripted (slow, 5xx,
// garbage, a dropped connection), counting the requests it got. And a port nothing listens on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'

export type Script = (req: IncomingMessage, res: ServerResponse, n: number) => void

export interface FakePdp {
  url: string
  /** Requests received so far. */
  readonly requests: number
  /** Bodies received, in order. */
  readonly bodies: string[]
  close(): Promise<void>
}

export async function startFakePdp(script: Script): Promise<FakePdp> {
  let requests = 0
  const bodies: string[] = []
  const server: Server = createServer((req, res) => {
    const n = requests++
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'))
      script(req, res, n)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** A check answer as Clearance writes it. */
export function checkAnswer(
  allow: boolean,
  revision = 'r1',
  id = '00000000-0000-4000-8000-000000000001',
): unknown {
  return {
    decision_id: id,
    allow,
    reasons: [{ code: allow ? 'grant_matched' : 'no_grant', message: 'scripted' }],
    obligations: allow ? [{ type: 'audit' }] : [],
    provenance: { version: 'fake', bundles: { clearance: { revision } } },
  }
}

/** A URL on 127.0.0.1 whose port was just freed: connections to it are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
