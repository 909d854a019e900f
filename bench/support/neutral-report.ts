// Tables of bench/neutral-policies.ts and bench/decision-cache-hit-rate.ts, shared with bench/run-all.ts. Under the
// HTTP table, the floor server's open-loop p50/p99 (the load generator + Node noise floor under every p99 column
// figure) and the generator's CPU in the open loops.
import type { LoadResult } from './load.js'
import { fmt, median } from './stats.js'

/** Row order: clearance (defaults), clearance without the decision cache, opa, the node:http floor. */
export const OPA = 2
export const FLOOR = 3

export interface ServerRow {
  name: string
  closed: LoadResult[]
  open: LoadResult[]
  clientCpuPct: number[]
  serverCpuUsPerRequest: number[]
}

export interface PolicyResult {
  policy: string
  path: string
  sameAnswer: boolean
  rate: number
  servers: ServerRow[]
  inProcess: {
    clearanceUncached: { p50Us: number; p99Us: number }
    sdkCached: { p50Us: number; p99Us: number }
    sdkUncached: { p50Us: number; p99Us: number }
    opaBench: { p50Us: number; p99Us: number; nsPerOp: number }
  }
}

function openCpu(result: PolicyResult): number[] {
  return result.servers.flatMap((row) =>
    row.open.flatMap((r) => (r.clientCpuPct === undefined ? [] : [r.clientCpuPct])),
  )
}

export function neutralMarkdown(results: readonly PolicyResult[]): string {
  const lines = [
    '| policy | server | decisions/s (closed loop) | vs OPA | vs floor | p99 closed (ms) | p99 at half OPA rate (ms) | server CPU µs/req | load generator CPU |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const result of results) {
    const rps = result.servers.map((row) => median(row.closed.map((r) => r.rps)))
    for (const [i, row] of result.servers.entries()) {
      const openP99 = row.open.length === 0 ? '—' : fmt(median(row.open.map((r) => r.p99Ms)), 2)
      lines.push(
        `| ${result.policy} | ${row.name} | ${fmt(rps[i], 0)} | ${(rps[i]! / rps[OPA]!).toFixed(2)}× | ` +
          `${(rps[i]! / rps[FLOOR]!).toFixed(2)}× | ${fmt(median(row.closed.map((r) => r.p99Ms)), 2)} | ` +
          `${openP99}${row.open.length === 0 ? '' : ` (at ${result.rate}/s)`} | ` +
          `${fmt(median(row.serverCpuUsPerRequest), 0)} | ${fmt(median(row.clientCpuPct), 0)}% |`,
      )
    }
  }
  const noiseFloor = results.filter((result) => (result.servers[FLOOR]?.open.length ?? 0) > 0)
  if (noiseFloor.length > 0) {
    lines.push(
      '',
      'Open-loop noise floor, what the load generator and Node cost a server that does nothing (the floor row at ' +
        'the same rate, p50 / p99): ' +
        noiseFloor
          .map((result) => {
            const open = result.servers[FLOOR]!.open
            return (
              `${result.policy} ${fmt(median(open.map((r) => r.p50Ms)), 2)} / ` +
              `${fmt(median(open.map((r) => r.p99Ms)), 2)} ms at ${result.rate}/s`
            )
          })
          .join('; ') +
        `. Load generator in the open loops: ${fmt(median(noiseFloor.flatMap(openCpu)), 0)}% of a core (median).`,
    )
  }
  lines.push(
    '',
    '| policy | policy set evaluateEntrypoint(path, bytes) p50 / p99 (µs) | SDK evaluate(), cache on (repeated input) | SDK evaluate(), cache off | opa bench p50 / p99 (µs) | opa p50 / policy set p50 |',
    '|---|--:|--:|--:|--:|--:|',
  )
  for (const { policy: name, inProcess } of results) {
    const c = inProcess.clearanceUncached
    const o = inProcess.opaBench
    const on = inProcess.sdkCached
    const off = inProcess.sdkUncached
    lines.push(
      `| ${name} | ${fmt(c.p50Us, 2)} / ${fmt(c.p99Us, 2)} | ${fmt(on.p50Us, 2)} / ${fmt(on.p99Us, 2)} | ` +
        `${fmt(off.p50Us, 2)} / ${fmt(off.p99Us, 2)} | ${fmt(o.p50Us, 2)} / ${fmt(o.p99Us, 2)} | ` +
        `${(o.p50Us / c.p50Us).toFixed(2)}× |`,
    )
  }
  return lines.join('\n')
}

export interface HitRateResult {
  services: number
  decisions: number
  rate: number
  pods: number
  distinctCatalogInputs: number
  rows: Array<{ scenario: string; hitRate: number; distinctInputs: number; entries: number; bytes: number }>
}

export function hitRateMarkdown(result: HitRateResult): string {
  return [
    `${result.decisions.toLocaleString('en-US')} decisions over ${result.distinctCatalogInputs.toLocaleString('en-US')} ` +
      `service-pair inputs (${result.services} services, Zipf popularity), default cache bounds.`,
    '',
    '| input mix | hit rate | distinct inputs | entries held | bytes held |',
    '|---|--:|--:|--:|--:|',
    ...result.rows.map(
      (row) =>
        `| ${row.scenario} | ${(100 * row.hitRate).toFixed(1)}% | ${row.distinctInputs.toLocaleString('en-US')} | ` +
        `${row.entries.toLocaleString('en-US')} | ${(row.bytes / 2 ** 20).toFixed(1)} MiB |`,
    ),
  ].join('\n')
}
