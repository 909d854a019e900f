// What the service map's live traffic costs the server: decisions/s through POST /v1/check (autocannon, closed
// loop) on one `clearance serve` process, in alternating rounds with no page watching (stream off: the observer
// returns at once) and with a page's stream open (stream on: every decision is queued, then attributed, masked and
// counted once a second, and a frame is sent). Rounds alternate so drift on a shared machine hits both sides alike;
// besides decisions/s it reports the server's CPU time per decision, which contention from other processes on a
// shared machine disturbs far less than throughput.
// Usage: npx tsx bench/ui-stream-cost.ts [--rounds 4] [--seconds 8] [--connections 16] [--services 1000]
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { catalogGraph } from '../engine/service-map/index.js'
import { catalogBundle } from './support/bundles.js'
import { runClosedLoop } from './support/load.js'
import { startClearance } from './support/servers.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
    services: { type: 'string', default: '1000' },
  },
})
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const connections = Number(values.connections)

const bundle = await catalogBundle(Number(values.services))
// decisions across the whole catalog: one input per declared grant (its caller's identity, the operation and the
// purpose), so a page watches a thousand live edges, as on a busy mesh — not the handful of example inputs
const graph = catalogGraph(
  JSON.parse(readFileSync(join(bundle.source, 'clearance', 'catalog', 'data.json'), 'utf8')),
)
const identityOf = new Map<string, string>()
for (const [identity, service] of Object.entries(graph.identities)) {
  // the input schema takes SPIFFE ids in spiffe_id (certificate fingerprints go in cert_fingerprint)
  if (identity.startsWith('spiffe://') && !identityOf.has(service)) identityOf.set(service, identity)
}
const template = bundle.inputs[0] as { subject: object; target: object }
const bodies = graph.edges.flatMap((edge) => {
  const caller = identityOf.get(edge.from)
  const grant = edge.grants[0]
  if (caller === undefined || grant === undefined) return []
  const http = /^([A-Z]+) (\/.*)$/.exec(grant.operation)
  return [
    JSON.stringify({
      ...template,
      subject: { ...template.subject, spiffe_id: caller },
      target: {
        ...template.target,
        service: edge.to,
        operation: http === null ? { rpc: grant.operation } : { method: http[1], path: http[2] },
      },
      purpose: grant.purpose,
    }),
  ]
})
console.log(`${bodies.length} inputs over as many edges`)
const server = await startClearance({ bundle: bundle.wasm, serveArgs: ['--ui', 'on'] })

/** A page's stream: reads frames until closed; resolves the number of traffic frames and edge counts seen. */
function openStream(): { close(): Promise<{ frames: number; edges: number }> } {
  let frames = 0
  let edges = 0
  let buffered = ''
  let destroy: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    const req = request(`${server.url}/ui/api/stream`, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffered += chunk
        let end = buffered.indexOf('\n\n')
        while (end >= 0) {
          const message = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          if (message.startsWith('event: traffic')) {
            frames++
            edges += (message.match(/"id":/g) ?? []).length
          }
          end = buffered.indexOf('\n\n')
        }
      })
      res.on('close', resolve)
    })
    req.on('error', () => resolve())
    req.end()
    destroy = () => req.destroy()
  })
  return {
    async close() {
      destroy()
      await done
      return { frames, edges }
    },
  }
}

const target = { url: server.url, path: '/v1/check', bodies }
const off: number[] = []
const on: number[] = []
const cpuOff: number[] = []
const cpuOn: number[] = []
/** Runs one round; returns decisions/s and server CPU µs per decision. */
async function round(): Promise<{ rps: number; cpuUs: number; failed: number }> {
  const cpu = server.cpuMs()
  const result = await runClosedLoop(target, { connections, seconds })
  return { rps: result.rps, cpuUs: ((server.cpuMs() - cpu) * 1000) / result.ok, failed: result.failed }
}
try {
  await runClosedLoop(target, { connections, seconds: 3 }) // warm-up
  for (let i = 0; i < rounds; i++) {
    const quiet = await round()
    const stream = openStream()
    const watched = await round()
    const seen = await stream.close()
    off.push(quiet.rps)
    on.push(watched.rps)
    cpuOff.push(quiet.cpuUs)
    cpuOn.push(watched.cpuUs)
    console.log(
      `round ${i + 1}: stream off ${quiet.rps.toFixed(0)}/s ${quiet.cpuUs.toFixed(0)} µs CPU/decision, stream on ${watched.rps.toFixed(0)}/s ${watched.cpuUs.toFixed(0)} µs CPU/decision (${seen.frames} frames, ${seen.edges} edge counts received; failed ${quiet.failed + watched.failed})`,
    )
  }
} finally {
  await server.stop()
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const cost = 1 - median(on) / median(off)
const cpuCost = median(cpuOn) / median(cpuOff) - 1
console.log(
  `median decisions/s: stream off ${median(off).toFixed(0)}, stream on ${median(on).toFixed(0)} (${(cost * 100).toFixed(1)}% fewer)`,
)
console.log(
  `median server CPU per decision: stream off ${median(cpuOff).toFixed(0)} µs, stream on ${median(cpuOn).toFixed(0)} µs → live aggregation costs ${(cpuCost * 100).toFixed(1)}% (goal ≤ 5%)`,
)
