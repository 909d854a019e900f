// Decision latency over HTTP for one entrypoint path, bundle against bundle: the same policies built with
// `--entrypoints annotated` (the old build) and with every rule and package an entrypoint (the default), each served
// by `clearance serve` on 127.0.0.1, one keep-alive connection, requests one after another; and the policy set's
// evaluation of the path in-process, which is what the build changes (HTTP adds the same on both sides).
// Usage: npx tsx bench/entrypoint-latency.ts [--requests 3000] [--path clearance/authz/decision]
//        [--input policies/examples/allow-orders-to-payments.json]
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { createPolicySet } from '../engine/policy/index.js'
import { startClearance } from './support/servers.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    path: { type: 'string', default: 'clearance/authz/decision' },
    input: { type: 'string', default: 'policies/examples/allow-orders-to-payments.json' },
  },
})
const requests = Number(values.requests)
const body = JSON.stringify({ input: JSON.parse(readFileSync(values.input, 'utf8')) })
const dir = await mkdtemp(join(tmpdir(), 'clearance-entrypoint-latency-'))

const agent = new Agent({ keepAlive: true, maxSockets: 1 })

function post(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume()
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Number(process.hrtime.bigint() - started) / 1e3)
            : reject(new Error(`status ${res.statusCode}`)),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

for (const mode of ['annotated', 'all'] as const) {
  const bundle = join(dir, `${mode}.tar.gz`)
  await buildBundle({ source: 'policies', output: bundle, revision: 'bench', entrypoints: mode })
  // In-process first (no HTTP, no other process): the policy set's own cost for the path.
  const set = await createPolicySet([await loadBundleFromPath(mode, bundle)])
  const input = new TextEncoder().encode(JSON.stringify(JSON.parse(body).input))
  for (let i = 0; i < 2000; i++) set.evaluateEntrypoint(values.path, input)
  const inProcess: number[] = []
  for (let round = 0; round < 5; round++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < 5000; i++) set.evaluateEntrypoint(values.path, input)
    inProcess.push(Number(process.hrtime.bigint() - started) / 1e3 / 5000)
  }
  set.close()
  inProcess.sort((a, b) => a - b)
  console.log(
    `--entrypoints ${mode}: in-process ${inProcess[2]!.toFixed(1)} µs per evaluation (median of 5 × 5000)`,
  )
  const server = await startClearance({ bundle, name: mode })
  const url = new URL(`${server.url}/v1/data/${values.path}`)
  for (let i = 0; i < 300; i++) await post(url)
  const times: number[] = []
  for (let i = 0; i < requests; i++) times.push(await post(url))
  times.sort((a, b) => a - b)
  console.log(
    `--entrypoints ${mode}: median ${pct(times, 0.5).toFixed(0)} µs, p90 ${pct(times, 0.9).toFixed(0)} µs, p99 ${pct(times, 0.99).toFixed(0)} µs (${requests} requests)`,
  )
  await server.stop()
}
agent.destroy()
