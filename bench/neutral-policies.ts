// Clearance against OPA on policies that are not ours: a trivial allow rule on two input fields, OPA's documentation
// RBAC example (users, roles and grants in data) and the reference decision (policies/). For each policy:
//   HTTP    `clearance serve` and `opa run --server` side by side, with the HTTP floor (a bare node:http server that
//           reads the body and answers a constant, bench/support/node-http-floor-server.ts): a closed loop at fixed
//           concurrency (the servers take turns in an order rotated each round, so all see the same machine), then an open loop at half of
//           OPA's rate (bench/support/open-loop.ts), against the floor too: its p50/p99 is what the generator and
//           Node cost a server doing nothing, the noise floor under every other row. Both loops are warmed up
//           against every server before the measured rounds (`--warmup` seconds each), so no server is charged
//           for the generator's own warm-up. The load generator runs in this process and shares the cores: its
//           CPU is reported.
//   in-process  Clearance's policy set evaluateEntrypoint(path, bytes) (no cache) and the SDK's evaluate() with the decision
//           cache on (a repeated input: every call after the first is a hit) and off, against `opa bench`.
// The HTTP and SDK rows with the cache on answer the few bench inputs from memory after their first decision: they
// measure the cache's best case, the rows with it off the evaluation. bench/decision-cache-hit-rate.ts measures what
// hit rate a realistic input mix gets.
// Usage: npx tsx bench/neutral-policies.ts [--policies trivial,rbac,reference] [--connections 16] [--seconds 5]
//        [--rounds 2] [--open-rounds <rounds>] [--rate-seconds 5] [--warmup 2] [--decisions 20000] [--serve-args "--decision-cache off"]
//        [--also "--workers auto"] [--json file]
// --also adds a `clearance` row with those flags (cache on and off) to the same rounds, e.g. to weigh `--workers
// auto` against one process on the same machine at the same time.
import { writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { encodeJson } from '../engine/json/json-codec.js'
import { createPolicySet } from '../engine/policy/policy-set.js'
import { createLocalEvaluator } from '../sdk/local/index.js'
import {
  buildRego,
  decisionPath,
  exampleInputFile,
  outDir,
  referenceBundle,
  repoRoot,
} from './support/bundles.js'
import { canonical, writeJson } from './support/json-output.js'
import { runClosedLoop, runOpenLoop } from './support/load.js'
import { neutralMarkdown, OPA, type PolicyResult, type ServerRow } from './support/neutral-report.js'
import { opaBench } from './support/opa-bench.js'
import { roundOrder } from './support/round-order.js'
import { type ServerProcess, startClearance, startNodeHttpFloor, startOpa } from './support/servers.js'
import { median, summarize } from './support/stats.js'

const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: 'trivial,rbac,reference' },
    connections: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    // The p99 cells are medians over the open-loop rounds: with three, one round the machine disturbed (the
    // generator itself sending tens of ms late) does not decide the cell.
    'open-rounds': { type: 'string' },
    'rate-seconds': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    decisions: { type: 'string', default: '20000' },
    'serve-args': { type: 'string', default: '' },
    also: { type: 'string', default: '' },
    json: { type: 'string' },
  },
})
const connections = Number(values.connections)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const openRounds = Number(values['open-rounds'] ?? values.rounds)
const rateSeconds = Number(values['rate-seconds'])
const warmup = Number(values.warmup)
const decisions = Number(values.decisions)
const serveArgs = values['serve-args'].split(' ').filter((arg) => arg !== '')
const alsoArgs = values.also.split(' ').filter((arg) => arg !== '')

interface NeutralPolicy {
  name: string
  path: string
  wasm: string
  rego: string
  inputs: unknown[]
  inputFile: string
}

const opa = await resolveOpaBinary()

async function neutralPolicy(name: 'trivial' | 'rbac', path: string): Promise<NeutralPolicy> {
  const source = join(repoRoot, 'bench', 'neutral-policies', name)
  const dir = join(outDir, `neutral-${name}`)
  await mkdir(dir, { recursive: true })
  const wasm = join(dir, 'clearance.tar.gz')
  const rego = join(dir, 'opa.tar.gz')
  await buildBundle({ source, output: wasm, revision: `neutral-${name}` })
  await buildRego(opa, source, rego, `neutral-${name}`)
  const inputFile = join(source, 'inputs.json')
  const inputs = (await import(inputFile, { with: { type: 'json' } })).default as unknown[]
  const first = join(dir, 'input.json')
  writeFileSync(first, JSON.stringify(inputs[0]))
  return { name, path, wasm, rego, inputs, inputFile: first }
}

async function policy(name: string): Promise<NeutralPolicy> {
  if (name === 'trivial') return neutralPolicy('trivial', 'neutral/trivial/allow')
  if (name === 'rbac') return neutralPolicy('rbac', 'neutral/rbac/allow')
  const reference = await referenceBundle()
  return {
    name: 'reference',
    path: decisionPath,
    wasm: reference.wasm,
    rego: reference.rego,
    inputs: reference.inputs,
    inputFile: exampleInputFile,
  }
}

async function httpRun(subject: NeutralPolicy): Promise<Omit<PolicyResult, 'inProcess'>> {
  const servers: ServerProcess[] = []
  try {
    servers.push(await startClearance({ bundle: subject.wasm, serveArgs }))
    servers.push(
      await startClearance({
        bundle: subject.wasm,
        serveArgs: [...serveArgs, '--decision-cache', 'off'],
        name: 'clearance --decision-cache off',
      }),
    )
    servers.push(await startOpa({ opa, bundle: subject.rego }))
    servers.push(await startNodeHttpFloor())
    if (alsoArgs.length > 0) {
      servers.push(
        await startClearance({
          bundle: subject.wasm,
          serveArgs: [...serveArgs, ...alsoArgs],
          name: `clearance ${values.also}`,
        }),
      )
      servers.push(
        await startClearance({
          bundle: subject.wasm,
          serveArgs: [...serveArgs, ...alsoArgs, '--decision-cache', 'off'],
          name: `clearance ${values.also} --decision-cache off`,
        }),
      )
    }
    const url = `/v1/data/${subject.path}`
    const bodies = subject.inputs.map((input) => JSON.stringify({ input }))
    const answers = await Promise.all(
      servers.slice(0, 3).map(async (server) => {
        const res = await fetch(`${server.url}${url}`, { method: 'POST', body: bodies[0] })
        return JSON.stringify(canonical(((await res.json()) as { result: unknown }).result))
      }),
    )
    const sameAnswer = answers.every((answer) => answer === answers[0])
    if (!sameAnswer) console.error(`${subject.name}: servers disagree:\n${answers.join('\n')}`)
    const rows: ServerRow[] = servers.map((server) => ({
      name: server.name,
      closed: [],
      open: [],
      clientCpuPct: [],
      serverCpuUsPerRequest: [],
    }))
    const target = (server: ServerProcess) => ({ url: server.url, path: url, bodies })
    for (const server of servers) await runClosedLoop(target(server), { connections, seconds: warmup })
    for (let round = 0; round < rounds; round++) {
      for (const i of roundOrder(servers.length, round)) {
        const serverCpu = servers[i]!.cpuMs()
        const clientCpu = process.cpuUsage()
        const started = performance.now()
        const result = await runClosedLoop(target(servers[i]!), { connections, seconds })
        const used = process.cpuUsage(clientCpu)
        rows[i]!.closed.push(result)
        rows[i]!.serverCpuUsPerRequest.push(((servers[i]!.cpuMs() - serverCpu) * 1000) / result.ok)
        rows[i]!.clientCpuPct.push((100 * (used.user + used.system)) / 1000 / (performance.now() - started))
        process.stderr.write(
          `${subject.name} closed loop, round ${round + 1}, ${servers[i]!.name}: ${Math.round(result.rps)}/s, ` +
            `p99 ${result.p99Ms.toFixed(2)} ms, load generator ${Math.round(rows[i]!.clientCpuPct.at(-1)!)}% of a core\n`,
        )
      }
    }
    const rate = Math.max(1, Math.round(median(rows[OPA]!.closed.map((r) => r.rps)) / 2))
    // The first open loop of a process has a tail of tens to hundreds of ms whatever the server (the generator's
    // own code not yet optimized, its first connections): an unmeasured open loop against every server first, so
    // it is charged to none of them.
    for (const server of servers) await runOpenLoop(target(server), { rate, seconds: warmup })
    for (let round = 0; round < openRounds; round++) {
      for (const i of roundOrder(servers.length, round)) {
        const result = await runOpenLoop(target(servers[i]!), { rate, seconds: rateSeconds })
        rows[i]!.open.push(result)
        process.stderr.write(
          `${subject.name} open loop at ${rate}/s, round ${round + 1}, ${servers[i]!.name}: ` +
            `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, failed ${result.failed}, ` +
            `load generator ${Math.round(result.clientCpuPct ?? 0)}% of a core, ` +
            `sent late p99 ${(result.sendLagP99Ms ?? 0).toFixed(2)} ms\n`,
        )
      }
    }
    return { policy: subject.name, path: subject.path, sameAnswer, rate, servers: rows }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}

async function inProcessRun(subject: NeutralPolicy): Promise<PolicyResult['inProcess']> {
  const loaded = await loadBundleFromPath('bench', subject.wasm)
  const set = await createPolicySet([loaded])
  const bytes = encodeJson(subject.inputs[0])
  for (let i = 0; i < 2000; i++) set.evaluateEntrypoint(subject.path, bytes)
  const samples = new Float64Array(decisions)
  for (let i = 0; i < decisions; i++) {
    const t0 = process.hrtime.bigint()
    set.evaluateEntrypoint(subject.path, bytes)
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
  set.close()
  const uncached = summarize(Array.from(samples))
  const sdk = async (decisionCache: false | undefined) => {
    const local = await createLocalEvaluator({
      bundles: [`bench=${subject.wasm}`],
      decisionCache,
      inputSchema: false,
    })
    const input = subject.inputs[0]
    for (let i = 0; i < 2000; i++) await local.evaluate(subject.path, input)
    const times = new Float64Array(decisions)
    for (let i = 0; i < decisions; i++) {
      const t0 = process.hrtime.bigint()
      await local.evaluate(subject.path, input)
      times[i] = Number(process.hrtime.bigint() - t0) / 1000
    }
    await local.close()
    const summary = summarize(Array.from(times))
    return { p50Us: summary.p50, p99Us: summary.p99 }
  }
  const sdkCached = await sdk(undefined)
  const sdkUncached = await sdk(false)
  const opaNumbers = await opaBench(opa, subject.rego, subject.inputFile, subject.path)
  return {
    clearanceUncached: { p50Us: uncached.p50, p99Us: uncached.p99 },
    sdkCached,
    sdkUncached,
    opaBench: { p50Us: opaNumbers.p50Us, p99Us: opaNumbers.p99Us, nsPerOp: opaNumbers.nsPerOp },
  }
}

const results: PolicyResult[] = []
for (const name of values.policies.split(',')) {
  const subject = await policy(name)
  const http = await httpRun(subject)
  results.push({ ...http, inProcess: await inProcessRun(subject) })
}
writeJson(values.json, results)
console.log(neutralMarkdown(results))
