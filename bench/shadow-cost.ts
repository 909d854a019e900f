// What a shadow bundle costs the server: `clearance serve` with and without `--shadow-bundle` (the same reference
// bundle as shadow, so every decision is made twice) under the same load on 127.0.0.1. A closed loop at fixed
// concurrency gives each one's most decisions/s (rounds alternate the two servers); an open loop at half the
// unshadowed maximum gives the latency each answers with when not saturated. Both loops alternate the servers
// round by round and report medians, so load from elsewhere on the machine falls on both alike; each loop first runs
// unmeasured against both servers for a second, so neither is charged for the load generator's own warm-up.
// Usage: npx tsx bench/shadow-cost.ts [--connections 16] [--seconds 5] [--rounds 2] [--rate-seconds 5] [--json file]
import { parseArgs } from 'node:util'
import { referenceBundle } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { type LoadResult, runClosedLoop, runOpenLoop } from './support/load.js'
import { type ServerProcess, startClearance } from './support/servers.js'
import { median } from './support/stats.js'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    'rate-seconds': { type: 'string', default: '5' },
    json: { type: 'string' },
  },
})
const connections = Number(values.connections)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const rateSeconds = Number(values['rate-seconds'])

const bundle = await referenceBundle()
const target = (server: ServerProcess) => ({
  url: server.url,
  path: '/v1/check',
  bodies: bundle.inputs.map((input) => JSON.stringify(input)),
})

interface ShadowCounts {
  decisions: Record<string, number>
  dropped: Record<string, number>
}

const servers: ServerProcess[] = []
try {
  const plain = await startClearance({ bundle: bundle.wasm, name: 'clearance' })
  servers.push(plain)
  const shadowed = await startClearance({
    bundle: bundle.wasm,
    serveArgs: ['--shadow-bundle', `clearance=${bundle.wasm}`],
    name: 'clearance --shadow-bundle',
  })
  servers.push(shadowed)
  for (const server of servers) await runClosedLoop(target(server), { connections, seconds: 1 })

  const closed = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      closed.get(server.name)!.push(await runClosedLoop(target(server), { connections, seconds }))
    }
  }
  const maxRps = (name: string): number => median(closed.get(name)!.map((r) => r.rps))
  const rate = Math.round(maxRps(plain.name) / 2)
  // the open loop alternates too, and each server's figures are the medians of its rounds
  const openRounds = new Map<string, LoadResult[]>(servers.map((s) => [s.name, []]))
  // unmeasured: the first open loop of a process carries the generator's own warm-up, whatever the server
  for (const server of servers) await runOpenLoop(target(server), { rate, seconds: 1 })
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
      openRounds.get(server.name)!.push(await runOpenLoop(target(server), { rate, seconds: rateSeconds }))
    }
  }
  const open = new Map<string, LoadResult>(
    servers.map((server) => {
      const results = openRounds.get(server.name)!
      return [
        server.name,
        {
          ...results[0]!,
          p50Ms: median(results.map((r) => r.p50Ms)),
          p99Ms: median(results.map((r) => r.p99Ms)),
          failed: results.reduce((a, r) => a + r.failed, 0),
        },
      ]
    }),
  )

  const status = (await (await fetch(`${shadowed.url}/v1/status`)).json()) as {
    result: { shadow: ShadowCounts }
  }
  const rows = servers.map((server) => ({
    server: server.name,
    decisions_per_s: Math.round(maxRps(server.name)),
    p99_ms_at_rate: open.get(server.name)!.p99Ms,
    p50_ms_at_rate: open.get(server.name)!.p50Ms,
    failed: closed.get(server.name)!.reduce((a, r) => a + r.failed, 0) + open.get(server.name)!.failed,
  }))
  const throughputRatio = rows[1]!.decisions_per_s / rows[0]!.decisions_per_s
  const p99Ratio = rows[1]!.p99_ms_at_rate / rows[0]!.p99_ms_at_rate
  const result = {
    connections,
    seconds,
    rounds,
    rate,
    rows,
    throughput_ratio: throughputRatio,
    p99_ratio_at_half_rate: p99Ratio,
    shadow: status.result.shadow,
  }
  console.log(JSON.stringify(result, null, 2))
  console.log(
    [
      '',
      `POST /v1/check, reference decision; closed loop ${connections} connections × ${seconds} s × ${rounds} rounds (alternating), open loop at ${rate}/s (half the unshadowed maximum), ${rounds} × ${rateSeconds} s alternating; medians of the rounds.`,
      '',
      '| server | decisions/s | p50 ms @ rate | p99 ms @ rate | failed |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.server} | ${r.decisions_per_s.toLocaleString('en-US')} | ${r.p50_ms_at_rate.toFixed(2)} | ${r.p99_ms_at_rate.toFixed(2)} | ${r.failed} |`,
      ),
      '',
      `| goal | target | measured | met |`,
      '|---|---|---|---|',
      `| p99 at half the maximum rate, shadow vs none | ≤ 1.1× | ${p99Ratio.toFixed(2)}× | ${p99Ratio <= 1.1 ? 'yes' : '**no**'} |`,
      `| decisions/s at saturation, shadow vs none | ≥ 0.55× | ${throughputRatio.toFixed(2)}× | ${throughputRatio >= 0.55 ? 'yes' : '**no**'} |`,
      '',
      `shadow decisions: ${JSON.stringify(status.result.shadow.decisions)}; not shadowed: ${JSON.stringify(status.result.shadow.dropped)}`,
    ].join('\n'),
  )
  writeJson(values.json, result)
} finally {
  for (const server of servers) await server.stop()
}
