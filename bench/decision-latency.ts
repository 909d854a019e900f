// Latency of one decision, over HTTP (a `clearance serve` process on 127.0.0.1, one keep-alive connection,
// requests one after another) and in-process (the SDK's local evaluator), on the same bundle and input.
// Usage: npx tsx bench/decision-latency.ts [--bundle file] [--path p] [--input file] [--requests n]
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { createLocalEvaluator } from '../sdk/local/index.js'

const root = join(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    path: { type: 'string', default: 'clearance/authz/decision' },
    input: { type: 'string', default: join(root, 'policies', 'examples', 'allow-orders-to-payments.json') },
    requests: { type: 'string', default: '5000' },
  },
})
const requests = Number(values.requests)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function summary(name: string, samplesNs: number[]): string {
  const sorted = [...samplesNs].sort((a, b) => a - b)
  const total = samplesNs.reduce((sum, v) => sum + v, 0)
  const us = (ns: number): string => (ns / 1000).toFixed(1)
  return `| ${name} | ${samplesNs.length} | ${us(percentile(sorted, 50))} | ${us(percentile(sorted, 99))} | ${Math.round(samplesNs.length / (total / 1e9))} |`
}

const bundle =
  values.bundle ??
  (await buildBundle({ source: join(root, 'policies'), output: join(root, 'bundles', 'bench.tar.gz') }))
    .output
const input = JSON.parse(await readFile(values.input, 'utf8')) as unknown
const body = JSON.stringify({ input })

// In-process
const local = await createLocalEvaluator({ bundles: [bundle] })
for (let i = 0; i < 1000; i++) await local.evaluate(values.path, input)
const localNs: number[] = []
for (let i = 0; i < requests; i++) {
  const t0 = process.hrtime.bigint()
  await local.evaluate(values.path, input)
  localNs.push(Number(process.hrtime.bigint() - t0))
}

// Over HTTP
const server = spawn(
  'node',
  [
    join(root, 'bin', 'clearance.js'),
    'serve',
    '--bundle',
    bundle,
    '--addr',
    '127.0.0.1:0',
    '--log-level',
    'info',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
)
const url = await new Promise<string>((resolve) => {
  let out = ''
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    const match = /"addr":"(http:\/\/[^"]+)"/.exec(out)
    if (match) resolve(match[1]!)
  })
})
const target = `${url}/v1/data/${values.path}`
const post = async (): Promise<void> => {
  const res = await fetch(target, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
  await res.arrayBuffer()
}
for (let i = 0; i < 500; i++) await post()
const httpNs: number[] = []
for (let i = 0; i < requests; i++) {
  const t0 = process.hrtime.bigint()
  await post()
  httpNs.push(Number(process.hrtime.bigint() - t0))
}
server.kill('SIGTERM')

console.log(`decision: data.${values.path.replaceAll('/', '.')}  bundle: ${bundle}`)
console.log('| mode | decisions | p50 µs | p99 µs | decisions/s (sequential) |')
console.log('|---|---|---|---|---|')
console.log(summary('in-process (SDK local evaluator)', localNs))
console.log(summary('HTTP POST /v1/data (1 keep-alive client)', httpNs))
