// The shapes the benchmarks hand to bench/run-all.ts (via --json) and the Markdown each is printed as, so a script
// run alone prints the same table that lands in bench/RESULTS.md.
import type { LoadResult } from './load.js'
import { fmt, median, ratio } from './stats.js'

export interface HttpServerResult {
  name: string
  /** One closed-loop measurement per round. */
  closed: LoadResult[]
  /** One open-loop measurement at `rate` per round. */
  open: LoadResult[]
  /** Resident memory after the load. */
  memory: { rssMiB: number; peakMiB: number }
  /** Server CPU time (user + system, all its processes) per 2xx decision in each closed-loop round, in µs. */
  cpuUsPerDecision: number[]
  /** The load generator's CPU use during each closed-loop round, in % of one core. */
  clientCpuPct: number[]
}

export interface HttpResult {
  bundle: string
  path: string
  connections: number
  seconds: number
  rounds: number
  /** The open-loop rate: half of OPA's decisions/s under the closed loop. */
  rate: number
  sameAnswer: boolean
  servers: HttpServerResult[]
}

export interface HttpSummary {
  name: string
  rps: number
  p50Ms: number
  p99Ms: number
  rateP50Ms: number
  rateP99Ms: number
  failed: number
  cpuUsPerDecision: number
  clientCpuPct: number
}

export function summarizeHttp(server: HttpServerResult): HttpSummary {
  return {
    name: server.name,
    rps: median(server.closed.map((r) => r.rps)),
    p50Ms: median(server.closed.map((r) => r.p50Ms)),
    p99Ms: median(server.closed.map((r) => r.p99Ms)),
    rateP50Ms: median(server.open.map((r) => r.p50Ms)),
    rateP99Ms: median(server.open.map((r) => r.p99Ms)),
    failed: [...server.closed, ...server.open].reduce((sum, r) => sum + r.failed, 0),
    cpuUsPerDecision: median(server.cpuUsPerDecision),
    clientCpuPct: median(server.clientCpuPct),
  }
}

export function httpMarkdown(result: HttpResult): string {
  const rows = result.servers.map(summarizeHttp)
  const opa = rows.find((row) => row.name.startsWith('opa'))
  const lines = [
    `POST /v1/data/${result.path}, ${result.connections} connections, ${result.rounds} × ${result.seconds} s rounds ` +
      `(servers taking turns, the order rotated each round), then open-loop rounds at ${fmt(result.rate, 0)} req/s ` +
      `(half OPA's max). Medians of the rounds. Same answer from both: ${result.sameAnswer ? 'yes' : 'NO'}.`,
    '',
    '| server | decisions/s | p50 ms | p99 ms | server CPU µs/decision | load generator CPU % | p50 ms @ rate | p99 ms @ rate | failed | RSS MiB | vs OPA decisions/s | vs OPA decisions per CPU-s | vs OPA p99 @ rate |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const [index, row] of rows.entries()) {
    const memory = result.servers[index]!.memory
    lines.push(
      `| ${row.name} | ${fmt(row.rps, 0)} | ${fmt(row.p50Ms, 2)} | ${fmt(row.p99Ms, 2)} | ${fmt(row.cpuUsPerDecision, 0)} | ` +
        `${fmt(row.clientCpuPct, 0)} | ${fmt(row.rateP50Ms, 2)} | ${fmt(row.rateP99Ms, 2)} | ${row.failed} | ` +
        `${fmt(memory.rssMiB, 0)} | ${ratio(row.rps, opa?.rps)}× | ${ratio(opa?.cpuUsPerDecision, row.cpuUsPerDecision)}× | ` +
        `${ratio(row.rateP99Ms, opa?.rateP99Ms)}× |`,
    )
  }
  return lines.join('\n')
}

export interface TimingRow {
  name: string
  count: number
  p50Us: number
  p99Us: number
  meanUs: number
}

export interface InProcessResult {
  input: string
  rows: TimingRow[]
  opaBench: { n: number; nsPerOp: number; p50Us: number; p99Us: number; allocsPerOp: number }
}

export function inProcessMarkdown(result: InProcessResult): string {
  const floor = result.rows.find((row) => row.name.startsWith('raw opa_eval'))
  const lines = [
    `data.clearance.authz.decision on ${result.input}; Clearance rows interleaved in blocks so they see the same ` +
      'machine; `opa bench` (topdown, same Rego and data) right after.',
    '',
    '| evaluator | decisions | p50 µs | p99 µs | mean µs | over raw opa_eval (p50) | OPA p50 / this p50 |',
    '|---|---|---|---|---|---|---|',
  ]
  for (const row of result.rows) {
    lines.push(
      `| ${row.name} | ${row.count} | ${fmt(row.p50Us, 2)} | ${fmt(row.p99Us, 2)} | ${fmt(row.meanUs, 2)} | ` +
        `${ratio(row.p50Us, floor?.p50Us)}× | ${ratio(result.opaBench.p50Us, row.p50Us)}× |`,
    )
  }
  lines.push(
    `| opa bench (topdown) | ${result.opaBench.n} | ${fmt(result.opaBench.p50Us, 2)} | ${fmt(result.opaBench.p99Us, 2)} | ` +
      `${fmt(result.opaBench.nsPerOp / 1000, 2)} | ${ratio(result.opaBench.p50Us, floor?.p50Us)}× | 1.00× |`,
  )
  return lines.join('\n')
}

export interface CatalogRow {
  size: number
  dataMiB: number
  loadMs: number
  p50Us: number
  p99Us: number
  meanUs: number
  /** p50 of the smallest catalog, timed in blocks interleaved with this one. */
  smallestP50Us: number
  opaP50Us: number | undefined
}

export interface CatalogResult {
  rows: CatalogRow[]
}

export function catalogMarkdown(result: CatalogResult): string {
  const lines = [
    'In-process decisions (SDK local evaluator) over the generated inputs; each size timed in blocks interleaved with ' +
      'the smallest catalog, and its ratio taken against that side-by-side p50. OPA: `opa bench` p50 of the first ' +
      'generated input on the same Rego and data.',
    '',
    '| services | data.json MiB | load ms | p50 µs | p99 µs | mean µs | p50 vs smallest | opa bench p50 µs |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const row of result.rows) {
    lines.push(
      `| ${row.size.toLocaleString('en-US')} | ${fmt(row.dataMiB, 1)} | ${fmt(row.loadMs, 0)} | ${fmt(row.p50Us, 1)} | ` +
        `${fmt(row.p99Us, 1)} | ${fmt(row.meanUs, 1)} | ${ratio(row.p50Us, row.smallestP50Us)}× | ${fmt(row.opaP50Us, 1)} |`,
    )
  }
  return lines.join('\n')
}

export interface ReloadResult {
  reloads: number
  medianMs: number
  p99Ms: number
  table: string
}

export interface MemoryServerRow {
  name: string
  startedRssMiB: number
  loadedRssMiB: number
  peakMiB: number
  startMs: number
}

export interface GrowthSnapshot {
  rssMiB: number
  heapUsedMiB: number
  externalMiB: number
  arrayBuffersMiB: number
}

export interface MemoryResult {
  size: number
  servers: MemoryServerRow[]
  growth: {
    decisions: number
    seconds: number
    before: GrowthSnapshot
    after: GrowthSnapshot
    /** RSS and heap after the first quarter of the run: growth after warm-up. */
    quarter: GrowthSnapshot
  }
}

export function memoryMarkdown(result: MemoryResult): string {
  const opa = result.servers.find((row) => row.name.startsWith('opa'))
  const lines = [
    `Servers on the ${result.size.toLocaleString('en-US')}-service catalog (same Rego and data), RSS right after ` +
      'start and after a short load; peak is VmHWM.',
    '',
    '| server | ready after ms | RSS started MiB | RSS after load MiB | peak MiB | vs OPA (after load) |',
    '|---|---|---|---|---|---|',
  ]
  for (const row of result.servers) {
    lines.push(
      `| ${row.name} | ${fmt(row.startMs, 0)} | ${fmt(row.startedRssMiB, 0)} | ${fmt(row.loadedRssMiB, 0)} | ` +
        `${fmt(row.peakMiB, 0)} | ${ratio(row.loadedRssMiB, opa?.loadedRssMiB)}× |`,
    )
  }
  const g = result.growth
  // --part servers: no growth measured
  if (g.decisions === 0) return lines.join('\n')
  const row = (name: string, s: GrowthSnapshot): string =>
    `| ${name} | ${fmt(s.rssMiB, 1)} | ${fmt(s.heapUsedMiB, 1)} | ${fmt(s.externalMiB, 1)} | ${fmt(s.arrayBuffersMiB, 1)} |`
  lines.push(
    '',
    `In-process growth over ${g.decisions.toLocaleString('en-US')} decisions (local evaluator, reference bundle, ` +
      `${fmt(g.seconds, 1)} s; heap after a forced GC):`,
    '',
    '| when | RSS MiB | heap used MiB | external MiB | array buffers MiB |',
    '|---|---|---|---|---|',
    row('before', g.before),
    row(`after ${(g.decisions / 4).toLocaleString('en-US')}`, g.quarter),
    row('after all', g.after),
    row('growth after warm-up (all − ¼)', {
      rssMiB: g.after.rssMiB - g.quarter.rssMiB,
      heapUsedMiB: g.after.heapUsedMiB - g.quarter.heapUsedMiB,
      externalMiB: g.after.externalMiB - g.quarter.externalMiB,
      arrayBuffersMiB: g.after.arrayBuffersMiB - g.quarter.arrayBuffersMiB,
    }),
  )
  return lines.join('\n')
}

export interface ProfileEntry {
  name: string
  location: string
  selfPct: number
}

export interface ProfileResult {
  seconds: number
  connections: number
  rps: number
  top: ProfileEntry[]
  categories: ProfileEntry[]
  /** Inclusive time of named steps of a request (they overlap: metrics wraps everything after it). */
  steps: ProfileEntry[]
}

export function profileMarkdown(result: ProfileResult): string {
  const lines = [
    `\`node --cpu-prof\` on \`clearance serve\` under ${result.connections} connections for ${result.seconds} s ` +
      `(${fmt(result.rps, 0)} decisions/s while profiled); the serving thread's self time as a share of its busy (non-idle) samples (evaluation threads, which wait in Atomics.wait between batches, are left out).`,
    '',
    '| step of a request (inclusive: with everything it calls; steps may nest) | % of busy time |',
    '|---|---|',
    ...result.steps.map((entry) => `| ${entry.name} | ${fmt(entry.selfPct, 1)} |`),
    '',
    '| where (self time by area) | self % |',
    '|---|---|',
    ...result.categories.map((entry) => `| ${entry.name} | ${fmt(entry.selfPct, 1)} |`),
    '',
    '| function | location | self % |',
    '|---|---|---|',
    ...result.top.map((entry) => `| ${entry.name} | ${entry.location} | ${fmt(entry.selfPct, 1)} |`),
  ]
  return lines.join('\n')
}
