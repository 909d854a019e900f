// Decisions over HTTP, Clearance against OPA on the same bundle: `clearance serve` (wasm) and `opa run --server`
// (topdown on the same Rego and data) on 127.0.0.1, driven by the same load generator. First a closed loop at fixed
// concurrency (the most decisions/s each sustains; rounds alternate the servers so both see the same machine), then
// an open loop at half of OPA's rate for the latency each gives when neither is saturated. Both loops first run
// unmeasured against every server (`--warmup` seconds each), so no server is charged for the generator's warm-up.
// Usage: npx tsx bench/http-vs-opa.ts [--connections 16] [--seconds 5] [--rounds 2] [--open-rounds <rounds>] [--rate-seconds 5]
//        [--warmup 2] [--workers 0|n] [--unguarded] [--controls] [--catalog N] [--json file]
// --unguarded adds a Clearance server with --eval-timeout-ms 0 (evaluation on the serving thread, no time limit):
// the cost of the per-evaluation time guard.
// --controls adds two bare hono servers answering a constant (bench/support/http-floor-server.ts): the cost of the
// HTTP stack alone, with the body read as Clearance reads it and straight from Node's IncomingMessage.
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { type BenchBundle, catalogBundle, decisionPath, referenceBundle } from './support/bundles.js'
import { canonical, writeJson } from './support/json-output.js'
import { type LoadTarget, runClosedLoop, runOpenLoop } from './support/load.js'
import { type HttpResult, type HttpServerResult, httpMarkdown, summarizeHttp } from './support/report.js'
import { roundOrder } from './support/round-order.js'
import { type ServerProcess, startClearance, startHttpFloor, startOpa } from './support/servers.js'
import { median } from './support/stats.js'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    // open-loop rounds; the p99 is their median, so with three one disturbed round does not decide it
    'open-rounds': { type: 'string' },
    'rate-seconds': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    workers: { type: 'string', default: '0' },
    controls: { type: 'boolean', default: false },
    unguarded: { type: 'boolean', default: false },
    catalog: { type: 'string' },
    json: { type: 'string' },
  },
})
const connections = Number(values.connections)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const openRounds = Number(values['open-rounds'] ?? values.rounds)
const rateSeconds = Number(values['rate-seconds'])
const warmup = Number(values.warmup)
const workers = Number(values.workers)

const opa = await resolveOpaBinary()
const bundle: BenchBundle =
  values.catalog === undefined ? await referenceBundle() : await catalogBundle(Number(values.catalog))
const path = `/v1/data/${decisionPath}`
const bodies = bundle.inputs.map((input) => JSON.stringify({ input }))

const servers: ServerProcess[] = []
try {
  servers.push(await startClearance({ bundle: bundle.wasm }))
  servers.push(await startOpa({ opa, bundle: bundle.rego }))
  if (workers > 1) servers.push(await startClearance({ bundle: bundle.wasm, workers }))
  if (values.unguarded) {
    servers.push(
      await startClearance({
        bundle: bundle.wasm,
        serveArgs: ['--eval-timeout-ms', '0'],
        name: 'clearance (no time limit)',
      }),
    )
  }
  const decisionServers = servers.length
  if (values.controls) {
    servers.push(await startHttpFloor('request'))
    servers.push(await startHttpFloor('incoming'))
  }

  // Both must give the same decision, or the comparison means nothing.
  const answers = await Promise.all(
    servers.slice(0, decisionServers).map(async (server) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        body: bodies[0],
        headers: { 'content-type': 'application/json' },
      })
      return JSON.stringify(canonical(((await res.json()) as { result: unknown }).result))
    }),
  )
  const sameAnswer = answers.every((answer) => answer === answers[0])
  if (!sameAnswer) console.error(`servers disagree:\n${answers.join('\n')}`)

  const target = (server: ServerProcess): LoadTarget => ({ url: server.url, path, bodies })
  const results: HttpServerResult[] = servers.map((server) => ({
    name: server.name,
    closed: [],
    open: [],
    memory: { rssMiB: 0, peakMiB: 0 },
    cpuUsPerDecision: [],
    clientCpuPct: [],
  }))
  for (const server of servers) await runClosedLoop(target(server), { connections, seconds: warmup })
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(servers.length, round)) {
      const serverCpu = servers[i]!.cpuMs()
      const clientCpu = process.cpuUsage()
      const started = performance.now()
      const result = await runClosedLoop(target(servers[i]!), { connections, seconds })
      const clientUsed = process.cpuUsage(clientCpu)
      results[i]!.closed.push(result)
      results[i]!.cpuUsPerDecision.push(((servers[i]!.cpuMs() - serverCpu) * 1000) / result.ok)
      results[i]!.clientCpuPct.push(
        (100 * (clientUsed.user + clientUsed.system)) / 1000 / (performance.now() - started),
      )
      process.stderr.write(
        `closed loop, round ${round + 1}, ${servers[i]!.name}: ${Math.round(result.rps)} decisions/s, ` +
          `p99 ${result.p99Ms.toFixed(2)} ms, ${Math.round(results[i]!.cpuUsPerDecision.at(-1)!)} µs server CPU ` +
          `per decision, load generator ${Math.round(results[i]!.clientCpuPct.at(-1)!)}% of a core\n`,
      )
    }
  }
  const opaIndex = servers.findIndex((server) => server.name.startsWith('opa'))
  const rate = Math.max(1, Math.round(median(results[opaIndex]!.closed.map((r) => r.rps)) / 2))
  // unmeasured: the first open loop of a process carries the generator's own warm-up, whatever the server
  for (const server of servers) await runOpenLoop(target(server), { rate, seconds: warmup })
  for (let round = 0; round < openRounds; round++) {
    for (const i of roundOrder(servers.length, round)) {
      const result = await runOpenLoop(target(servers[i]!), { rate, seconds: rateSeconds })
      results[i]!.open.push(result)
      process.stderr.write(
        `open loop at ${rate}/s, round ${round + 1}, ${servers[i]!.name}: p50 ${result.p50Ms.toFixed(2)} ms, ` +
          `p99 ${result.p99Ms.toFixed(2)} ms\n`,
      )
    }
  }
  for (const [i, server] of servers.entries()) results[i]!.memory = server.memory()

  const result: HttpResult = {
    bundle: bundle.wasm,
    path: decisionPath,
    connections,
    seconds,
    rounds,
    rate,
    sameAnswer,
    servers: results,
  }
  writeJson(values.json, result)
  console.log(httpMarkdown(result))
  const [clearance, opaSummary] = [summarizeHttp(results[0]!), summarizeHttp(results[opaIndex]!)]
  console.log(
    `\ndecisions/s ratio clearance/opa: ${(clearance.rps / opaSummary.rps).toFixed(2)} (goal ≥ 2); ` +
      `p99 at ${rate}/s ratio: ${(clearance.rateP99Ms / opaSummary.rateP99Ms).toFixed(2)} (goal ≤ 0.5)`,
  )
} finally {
  await Promise.all(servers.map((server) => server.stop()))
}
