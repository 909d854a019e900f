// What decision logging costs the decisions themselves: decisions/s through decide() (+ record()) on one thread,
// with decision logging off, on with a no-op sink, on with the HTTP uploader to a local collector (a separate
// process, so its gunzip does not share our CPU), and on with the HTTP uploader plus masking (a wasm
// system.log.mask entrypoint and a configured pointer). Decisions run in batches with a setImmediate between
// them, as a server's event loop would, so the log's own drain turns and uploads are inside the measured time.
// Usage: npx tsx bench/decision-log-cost.ts [--decisions n] [--rounds n] [--batch n] [--gzip-level 1..9]
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createPolicyRegistry } from '../engine/activation/policy-registry.js'
import { buildBundle } from '../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { createDecider } from '../engine/decision/decider.js'
import {
  createDecisionLogger,
  createHttpUploader,
  createNoopSink,
  type DecisionLogger,
  decisionRecord,
  type HttpUploader,
  logPolicyEvaluators,
  parseConfiguredMasks,
} from '../engine/decision-log/index.js'
import { encodeJson } from '../engine/json/json-codec.js'
import { createPolicySet } from '../engine/policy/policy-set.js'

const root = join(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '9' },
    batch: { type: 'string', default: '64' },
    'gzip-level': { type: 'string' },
    path: { type: 'string', default: 'clearance/authz/decision' },
    input: { type: 'string', default: join(root, 'policies', 'examples', 'allow-orders-to-payments.json') },
  },
})
const decisions = Number(values.decisions)
const rounds = Number(values.rounds)
const batch = Number(values.batch)
const silent = pino({ level: 'silent' })

// The repository's policies plus a mask policy, built into one bundle.
const work = await mkdtemp(join(tmpdir(), 'clearance-bench-log-'))
await cp(join(root, 'policies'), join(work, 'policies'), { recursive: true })
await writeFile(
  join(work, 'policies', 'system_log_mask.rego'),
  `package system.log

# METADATA
# entrypoint: true
mask contains "/input/connection/source_ip"

mask contains {"op": "upsert", "path": "/input/subject/spiffe_id", "value": "**"} if input.input.subject.spiffe_id
`,
)
const bundlePath = join(work, 'bench.tar.gz')
await buildBundle({ source: join(work, 'policies'), output: bundlePath, revision: 'bench' })
const registry = createPolicyRegistry()
registry.activate(await createPolicySet([await loadBundleFromPath('clearance', bundlePath)]))
const decider = createDecider({ registry })
const inputText = await readFile(values.input, 'utf8')

// The collector: another node process that gunzips and counts.
const collector = spawn(
  process.execPath,
  [
    '-e',
    `const http = require('node:http'), zlib = require('node:zlib'); let events = 0, bytes = 0
     const server = http.createServer((req, res) => {
       if (req.method === 'GET') { res.end(JSON.stringify({ events, bytes })); return }
       const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
         const body = Buffer.concat(chunks); bytes += body.length
         events += JSON.parse(zlib.gunzipSync(body).toString()).length; res.end()
       })
     })
     server.listen(0, '127.0.0.1', () => console.log(server.address().port))`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
)
const collectorUrl = await new Promise<string>((resolve) => {
  collector.stdout.once('data', (chunk: Buffer) => resolve(`http://127.0.0.1:${chunk.toString().trim()}`))
})
const collectorCount = async (): Promise<{ events: number; bytes: number }> =>
  (await fetch(collectorUrl)).json() as Promise<{ events: number; bytes: number }>

type Mode = 'off' | 'noop sink' | 'HTTP sink' | 'HTTP sink + masking'
const MODES: Mode[] = ['off', 'noop sink', 'HTTP sink', 'HTTP sink + masking']

interface Run {
  mode: Mode
  /** Wall time until every recorded event was processed (encoded, masked, handed to the sink). */
  processedSeconds: number
  /** CPU time of the whole process (all threads: gzip runs in libuv's pool) over the same span, plus the flush. */
  cpuSeconds: number
  recordNs: number
  dropped: number
  delivered: number
}

function makeLogger(mode: Mode): { log?: DecisionLogger; uploader?: HttpUploader } {
  if (mode === 'off') return {}
  const uploader =
    mode === 'noop sink'
      ? undefined
      : createHttpUploader({
          url: collectorUrl,
          minDelayMs: 200,
          maxDelayMs: 500,
          log: silent,
          ...(values['gzip-level'] === undefined ? {} : { gzipLevel: Number(values['gzip-level']) }),
        })
  const masking = mode === 'HTTP sink + masking'
  const log = createDecisionLogger({
    sinks: [uploader ?? createNoopSink()],
    labels: { id: 'bench', version: 'bench' },
    mask: masking
      ? {
          rules: parseConfiguredMasks(['/input/purpose'], 'bench'),
          evaluateMask: logPolicyEvaluators(() => registry.current()).evaluateMask,
        }
      : {},
    log: silent,
  })
  return uploader === undefined ? { log } : { log, uploader }
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

async function run(mode: Mode, count: number): Promise<Run> {
  const { log, uploader } = makeLogger(mode)
  await log?.start()
  const before = uploader === undefined ? 0 : (await collectorCount()).events
  let recordNs = 0n
  const cpuStart = process.cpuUsage()
  const started = process.hrtime.bigint()
  for (let done = 0; done < count; ) {
    for (let i = 0; i < batch && done < count; i++, done++) {
      // A fresh input per decision, as a request body would be.
      const input = encodeJson(JSON.parse(inputText))
      const decision = await decider.decide(values.path, input)
      if (log !== undefined) {
        const t0 = process.hrtime.bigint()
        log.record(decisionRecord(decision, input, { requestedBy: '127.0.0.1:40000' }))
        recordNs += process.hrtime.bigint() - t0
      }
    }
    await yieldTurn()
  }
  while (log !== undefined && log.stats().pendingEvents > 0) await yieldTurn()
  const processedEnd = process.hrtime.bigint()
  let delivered = 0
  if (uploader !== undefined) {
    await uploader.flush()
    delivered = (await collectorCount()).events - before
  }
  const cpu = process.cpuUsage(cpuStart)
  const dropped = Object.values(log?.stats().dropped ?? {}).reduce((sum, n) => sum + (n ?? 0), 0)
  await log?.stop()
  return {
    mode,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    processedSeconds: Number(processedEnd - started) / 1e9,
    recordNs: Number(recordNs) / count,
    dropped,
    delivered,
  }
}

// Warm every path up (JIT, wasm, sockets), then run the modes round by round, rotating their order, and compare
// each mode with the "off" run of its own round: a shared machine's load drifts, a round's neighbours less so.
for (const mode of MODES) await run(mode, Math.min(5000, decisions))
const results = new Map<Mode, Run[]>(MODES.map((mode) => [mode, []]))
const ratios = new Map<Mode, { wall: number[]; cpu: number[] }>(
  MODES.map((mode) => [mode, { wall: [], cpu: [] }]),
)
for (let round = 0; round < rounds; round++) {
  const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!)
  const byMode = new Map<Mode, Run>()
  for (const mode of order) byMode.set(mode, await run(mode, decisions))
  const off = byMode.get('off')!
  for (const [mode, result] of byMode) {
    results.get(mode)!.push(result)
    ratios.get(mode)!.wall.push(off.processedSeconds / result.processedSeconds)
    ratios.get(mode)!.cpu.push(off.cpuSeconds / result.cpuSeconds)
  }
}
collector.kill('SIGTERM')

const medianOf = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const median = (runs: Run[], pick: (run: Run) => number): number => medianOf(runs.map(pick))
const spread = (values: number[]): string =>
  `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`
console.log(
  `decision: data.${values.path.replaceAll('/', '.')}, ${decisions} decisions × ${rounds} rounds, batches of ${batch}; medians, ratios per round against that round's "off" (min–max)`,
)
console.log(
  '| mode | decisions/s (wall) | wall ratio | decisions per CPU-s | CPU ratio | CPU µs/decision | record() ns/call (incl. 2 hrtime reads) | dropped | uploaded |',
)
console.log('|---|---|---|---|---|---|---|---|---|')
for (const mode of MODES) {
  const runs = results.get(mode)!
  const { wall, cpu } = ratios.get(mode)!
  const cpuRate = decisions / median(runs, (r) => r.cpuSeconds)
  const record = mode === 'off' ? '-' : median(runs, (r) => r.recordNs).toFixed(0)
  const uploaded = mode.startsWith('HTTP') ? String(median(runs, (r) => r.delivered)) : '-'
  console.log(
    `| ${mode} | ${Math.round(decisions / median(runs, (r) => r.processedSeconds))} | ${medianOf(wall).toFixed(3)} (${spread(wall)}) | ${Math.round(cpuRate)} | ${medianOf(cpu).toFixed(3)} (${spread(cpu)}) | ${(1e6 / cpuRate).toFixed(1)} | ${record} | ${median(runs, (r) => r.dropped)} | ${uploaded} |`,
  )
}
