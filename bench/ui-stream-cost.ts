// What the service map's live traffic costs the server: decisions/s through POST /v1/check (autocannon, closed
// loop) on one `clearance serve` process, in alternating rounds with no page watching (stream off: the observer
// returns at once) and with a page's stream open (stream on: every decision is queued, then attributed, masked and
// counted once a second, and a frame is sent). Rounds alternate so drift on a shared machine hits both sides alike.
// Usage: npx tsx bench/ui-stream-cost.ts [--rounds 4] [--seconds 8] [--connections 16] [--services 1000]
import { request } from 'node:http'
import { parseArgs } from 'node:util'
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
// decisions across the whole catalog: many edges, allows and denies
const bodies = bundle.inputs.slice(0, 500).map((input) => JSON.stringify(input))
const server = await startClearance({
  bundle: bundle.wasm,
  serveArgs: ['--ui', 'on', '--log-level', 'error'],
})

/** A page's stream: reads frames until closed; resolves the number of traffic frames and edges seen. */
function openStream(): { close(): Promise<{ frames: number; edges: number }> } {
  let frames = 0
  let edges = 0
  let buffered = ''
  let close: () => void = () => {}
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
    close = () => req.destroy()
  })
  return {
    async close() {
      close()
      await done
      return { frames, edges }
    },
  }
}

const target = { url: server.url, path: '/v1/check', bodies }
const off: number[] = []
const on: number[] = []
try {
  await runClosedLoop(target, { connections, seconds: 3 }) // warm-up
  for (let round = 0; round < rounds; round++) {
    const quiet = await runClosedLoop(target, { connections, seconds })
    off.push(quiet.rps)
    const stream = openStream()
    const watched = await runClosedLoop(target, { connections, seconds })
    const seen = await stream.close()
    on.push(watched.rps)
    console.log(
      `round ${round + 1}: stream off ${quiet.rps.toFixed(0)}/s, stream on ${watched.rps.toFixed(0)}/s (${seen.frames} frames, ${seen.edges} edge counts received; failed ${quiet.failed + watched.failed})`,
    )
  }
} finally {
  await server.stop()
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const cost = 1 - median(on) / median(off)
console.log(
  `median decisions/s: stream off ${median(off).toFixed(0)}, stream on ${median(on).toFixed(0)} → live aggregation costs ${(cost * 100).toFixed(1)}% (goal ≤ 5%)`,
)
