// A control for the HTTP benchmark: the same hono + @hono/node-server stack as `clearance serve`, answering a
// constant decision after reading the body, so the table shows what the HTTP stack alone costs on this machine.
// Two ways of reading the body: "request" through hono's c.req.arrayBuffer() (what engine/http/request-body.ts does:
// the adapter builds a web Request with a ReadableStream, an AbortSignal, …) and "incoming" straight from the Node
// IncomingMessage that @hono/node-server passes as c.env.incoming.
// Usage: node --import tsx bench/support/http-floor-server.ts <request|incoming> <port>
import type { IncomingMessage } from 'node:http'
import { type HttpBindings, serve } from '@hono/node-server'
import { Hono } from 'hono'

const [mode, port] = process.argv.slice(2)
const answer = '{"result":{"allow":true,"reasons":[],"obligations":[]}}'

function readIncoming(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    incoming.once('error', reject)
  })
}

const app = new Hono<{ Bindings: HttpBindings }>()
app.get('/health', (c) => c.json({}))
app.post('/v1/data/*', async (c) => {
  const bytes = mode === 'incoming' ? await readIncoming(c.env.incoming) : await c.req.arrayBuffer()
  if (bytes.byteLength === 0) return c.json({ code: 'invalid_parameter' }, 400)
  return c.body(answer, 200, { 'content-type': 'application/json' })
})
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(port) })
process.once('SIGTERM', () => process.exit(0))
