// `npm run bench`: every performance benchmark against OPA, each in its own process, and one report of them in
// bench/RESULTS.md (and the raw numbers in bench/out/results.json). --quick finishes in about two minutes: shorter
// rounds, catalogs up to 10,000 services, fewer decisions.
// Usage: npx tsx bench/run-all.ts [--quick] [--no-build] [--no-write] [--out bench/RESULTS.md]

import { execFileSync, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { outDir, repoRoot } from './support/bundles.js'
import { describeMachine } from './support/machine.js'
import {
  FLOOR,
  type HitRateResult,
  hitRateMarkdown,
  neutralMarkdown,
  OPA,
  type PolicyResult,
} from './support/neutral-report.js'
import { type ReloadUnderLoadResult, reloadUnderLoadMarkdown } from './support/reload-under-load-report.js'
import {
  type CatalogResult,
  catalogMarkdown,
  type HttpResult,
  httpMarkdown,
  type InProcessResult,
  inProcessMarkdown,
  type MemoryResult,
  memoryMarkdown,
  type ProfileResult,
  profileMarkdown,
  type ReloadResult,
  summarizeHttp,
} from './support/report.js'
import { fmt, median } from './support/stats.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    out: { type: 'string', default: join(repoRoot, 'bench', 'RESULTS.md') },
  },
})
const quick = values.quick
const startedAt = new Date()
const t0 = performance.now()

const plan = quick
  ? {
      http: [
        '--connections',
        '16',
        '--seconds',
        '3',
        '--rounds',
        '2',
        '--rate-seconds',
        '3',
        '--open-rounds',
        '3',
        '--warmup',
        '1',
      ],
      inProcess: ['--decisions', '20000'],
      neutral: [
        '--seconds',
        '3',
        '--rounds',
        '2',
        '--open-rounds',
        '3',
        '--rate-seconds',
        '3',
        '--warmup',
        '2',
        '--decisions',
        '20000',
      ],
      hitRate: ['--decisions', '100000'],
      catalog: ['--sizes', '10,1000,10000', '--decisions', '6000'],
      reload: ['--reloads', '10'],
      reloadUnderLoad: ['--reloads', '8', '--interval', '1000', '--seconds', '2'],
      memory: ['--size', '10000', '--decisions', '100000', '--load-seconds', '2'],
      profile: ['--seconds', '3', '--connections', '16'],
    }
  : {
      http: [
        '--connections',
        '16',
        '--seconds',
        '8',
        '--rounds',
        '3',
        '--rate-seconds',
        '6',
        '--warmup',
        '3',
        '--workers',
        '2',
        '--unguarded',
      ],
      inProcess: ['--decisions', '100000'],
      neutral: [
        '--seconds',
        '8',
        '--rounds',
        '3',
        '--rate-seconds',
        '6',
        '--warmup',
        '3',
        '--decisions',
        '100000',
      ],
      hitRate: ['--decisions', '500000'],
      catalog: ['--sizes', '10,1000,10000,100000', '--decisions', '20000'],
      reload: ['--reloads', '50'],
      reloadUnderLoad: ['--reloads', '20', '--interval', '1000', '--seconds', '3'],
      memory: ['--size', '100000', '--decisions', '1000000', '--load-seconds', '3'],
      profile: ['--seconds', '10', '--connections', '16'],
    }

/** Runs bench/<script> in its own process with --json; echoes its progress and returns its numbers. */
async function step<T>(script: string, args: readonly string[], work: string): Promise<T> {
  const json = join(work, `${script}.json`)
  const started = performance.now()
  process.stderr.write(`\n▶ ${script} ${args.join(' ')}\n`)
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'bench', script), ...args, '--json', json],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`)),
    )
  })
  process.stderr.write(`✔ ${script} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
  return JSON.parse(await readFile(json, 'utf8')) as T
}

/** bench/reload-latency.ts prints a Markdown table; its first data row holds median and p99. */
async function reloadStep(args: readonly string[]): Promise<ReloadResult> {
  process.stderr.write(`\n▶ reload-latency.ts ${args.join(' ')}\n`)
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'bench', 'reload-latency.ts'), ...args],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`reload-latency exited ${code}`)),
    )
  })
  process.stdout.write(output)
  const row = output
    .split('\n')
    .find((line) => /^\|\s*[\d.]+\s*\|/.test(line))
    ?.split('|')
    .map((cell) => cell.trim())
  const reloads = Number(/\((\d+) reloads/.exec(output)?.[1] ?? Number.NaN)
  return { reloads, medianMs: Number(row?.[1]), p99Ms: Number(row?.[2]), table: output.trim() }
}

if (!values['no-build']) {
  process.stderr.write('building dist/ (npm run build:ts) so `clearance serve` runs the current engine\n')
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  )
}
const opa = await resolveOpaBinary()
const machine = describeMachine(opa)
const work = await mkdtemp(join(tmpdir(), 'clearance-bench-'))
let http: HttpResult
let inProcess: InProcessResult
let neutral: PolicyResult[]
let hitRate: HitRateResult
let catalog: CatalogResult
let reload: ReloadResult
let reloadUnderLoad: ReloadUnderLoadResult
let memory: MemoryResult
let profile: ProfileResult
try {
  http = await step<HttpResult>('http-vs-opa.ts', plan.http, work)
  inProcess = await step<InProcessResult>('inprocess-vs-opa.ts', plan.inProcess, work)
  neutral = await step<PolicyResult[]>('neutral-policies.ts', plan.neutral, work)
  hitRate = await step<HitRateResult>('decision-cache-hit-rate.ts', plan.hitRate, work)
  catalog = await step<CatalogResult>('catalog-curve.ts', plan.catalog, work)
  reload = await reloadStep(plan.reload)
  reloadUnderLoad = await step<ReloadUnderLoadResult>('reload-under-load.ts', plan.reloadUnderLoad, work)
  memory = await step<MemoryResult>('memory.ts', plan.memory, work)
  profile = await step<ProfileResult>('profile.ts', plan.profile, work)
} finally {
  await rm(work, { recursive: true, force: true })
}
const totalSeconds = (performance.now() - t0) / 1000

// Goals of issue 7, each with the number measured above.
const clearanceHttp = summarizeHttp(http.servers[0]!)
const opaHttp = summarizeHttp(http.servers.find((server) => server.name.startsWith('opa'))!)
const floor = inProcess.rows[0]!
const sdk = inProcess.rows.find((row) => row.name.includes('evaluate()'))!
const catalogLast = catalog.rows.at(-1)!
const catalogFirst = catalog.rows[0]!
const clearanceMemory = memory.servers.find((row) => row.name.startsWith('clearance'))
const opaMemory = memory.servers.find((row) => row.name.startsWith('opa'))
const growth = memory.growth
const rssGrowth = growth.after.rssMiB - growth.quarter.rssMiB
const heapGrowth = growth.after.heapUsedMiB - growth.quarter.heapUsedMiB
type Goal = [goal: string, target: string, measured: string, met: boolean]
const neutralGoals: Goal[] = neutral.flatMap((result): Goal[] => {
  const rps = result.servers.map((row) => median(row.closed.map((r) => r.rps)))
  const p99 = result.servers.map((row) => median(row.open.map((r) => r.p99Ms)))
  const rows: Goal[] = [0, 1].flatMap((i): Goal[] => [
    [
      `${result.policy}: HTTP decisions/s vs OPA (${result.servers[i]!.name})`,
      '≥ 2×',
      `${(rps[i]! / rps[OPA]!).toFixed(2)}× (${fmt(rps[i], 0)} vs ${fmt(rps[OPA], 0)}/s)`,
      rps[i]! >= 2 * rps[OPA]!,
    ],
    [
      `${result.policy}: p99 at ${fmt(result.rate, 0)}/s vs OPA (${result.servers[i]!.name})`,
      '≤ 0.5×',
      `${(p99[i]! / p99[OPA]!).toFixed(2)}× (${fmt(p99[i], 2)} vs ${fmt(p99[OPA], 2)} ms)`,
      p99[i]! <= 0.5 * p99[OPA]!,
    ],
  ])
  if (result.policy === 'trivial') {
    rows.push(
      [
        'trivial: HTTP decisions/s vs bare node:http floor (clearance, defaults)',
        '≥ 0.5×',
        `${(rps[0]! / rps[FLOOR]!).toFixed(2)}× (${fmt(rps[0], 0)} vs ${fmt(rps[FLOOR], 0)}/s)`,
        rps[0]! >= 0.5 * rps[FLOOR]!,
      ],
      [
        'trivial: in-process p50, SDK evaluate() through the cache (repeated input)',
        '≤ 5 µs',
        `${fmt(result.inProcess.sdkCached.p50Us, 2)} µs`,
        result.inProcess.sdkCached.p50Us <= 5,
      ],
      [
        'trivial: in-process p50, SDK evaluate() without the cache',
        '≤ 10 µs',
        `${fmt(result.inProcess.sdkUncached.p50Us, 2)} µs`,
        result.inProcess.sdkUncached.p50Us <= 10,
      ],
    )
  }
  return rows
})
const goals: Goal[] = [
  ...neutralGoals,
  [
    'HTTP decisions/s vs OPA',
    '≥ 2×',
    `${(clearanceHttp.rps / opaHttp.rps).toFixed(2)}× (${fmt(clearanceHttp.rps, 0)} vs ${fmt(opaHttp.rps, 0)}/s)`,
    clearanceHttp.rps >= 2 * opaHttp.rps,
  ],
  [
    `p99 at half OPA's max rate (${fmt(http.rate, 0)}/s) vs OPA's p99`,
    '≤ 0.5×',
    `${(clearanceHttp.rateP99Ms / opaHttp.rateP99Ms).toFixed(2)}× (${fmt(clearanceHttp.rateP99Ms, 2)} vs ${fmt(opaHttp.rateP99Ms, 2)} ms)`,
    clearanceHttp.rateP99Ms <= 0.5 * opaHttp.rateP99Ms,
  ],
  ['in-process p50 (SDK evaluate())', '≤ 5 µs', `${fmt(sdk.p50Us, 2)} µs`, sdk.p50Us <= 5],
  [
    'SDK overhead above raw opa_eval (p50)',
    '≤ 1.3×',
    `${(sdk.p50Us / floor.p50Us).toFixed(2)}× (${fmt(sdk.p50Us, 1)} vs ${fmt(floor.p50Us, 1)} µs)`,
    sdk.p50Us <= 1.3 * floor.p50Us,
  ],
  [
    `catalog ${catalogFirst.size.toLocaleString('en-US')} → ${catalogLast.size.toLocaleString('en-US')} p50 ratio`,
    '≤ 1.2',
    (catalogLast.p50Us / catalogLast.smallestP50Us).toFixed(2),
    catalogLast.p50Us <= 1.2 * catalogLast.smallestP50Us,
  ],
  [
    `server RSS vs OPA, ${memory.size.toLocaleString('en-US')}-service catalog (after load)`,
    '≤ 1×',
    clearanceMemory && opaMemory
      ? `${(clearanceMemory.loadedRssMiB / opaMemory.loadedRssMiB).toFixed(2)}× (${fmt(clearanceMemory.loadedRssMiB, 0)} vs ${fmt(opaMemory.loadedRssMiB, 0)} MiB)`
      : 'n/a',
    clearanceMemory !== undefined &&
      opaMemory !== undefined &&
      clearanceMemory.loadedRssMiB <= opaMemory.loadedRssMiB,
  ],
  [
    `no growth over ${growth.decisions.toLocaleString('en-US')} in-process decisions (after warm-up)`,
    'RSS < 5 MiB, heap < 1 MiB',
    `RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MiB, heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)} MiB`,
    rssGrowth < 5 && heapGrowth < 1,
  ],
]

const command = `npm run ${quick ? 'bench:quick' : 'bench'}`
const report = [
  '# Clearance vs OPA: performance',
  '',
  `Generated by \`${command}\` (bench/run-all.ts${quick ? ' --quick' : ''}) on ${startedAt.toISOString()} in ` +
    `${totalSeconds.toFixed(0)} s. Every comparison runs both sides in the same run, one after the other or ` +
    'interleaved; read the ratios, not the absolute numbers, on a shared machine.',
  '',
  '| machine | |',
  '|---|---|',
  `| CPUs (nproc) | ${machine.nproc} |`,
  `| CPU model | ${machine.cpuModel} |`,
  `| memory | ${machine.memoryGiB} GiB |`,
  `| node | ${machine.node} |`,
  `| opa | ${machine.opa} (topdown; Rego bundle built from the same source as Clearance's wasm bundle) |`,
  `| load average at start | ${machine.loadAverage} |`,
  '',
  '## Goals',
  '',
  '| goal | target | measured | met |',
  '|---|---|---|---|',
  ...goals.map(
    ([goal, target, measured, met]) => `| ${goal} | ${target} | ${measured} | ${met ? 'yes' : '**no**'} |`,
  ),
  '',
  '## HTTP: `clearance serve` vs `opa run --server`',
  '',
  httpMarkdown(http),
  '',
  '## Neutral policies: trivial, OPA docs RBAC, reference decision',
  '',
  'Each policy over HTTP beside `opa run --server` and the HTTP floor (a bare node:http server that reads the body ' +
    "and answers a constant), closed loop then open loop at half of OPA's rate, each warmed up against every " +
    "server first; the load generator shares the cores and its CPU is shown, and the floor's open-loop p50/p99 " +
    'is the noise floor under every other row. The bench sends three inputs in turn, so with the decision cache on (the default) ' +
    "every decision after the first three is a hit: that row is the cache's best case, the --decision-cache off " +
    'row is evaluation; the hit rate a realistic mix gets is in the next section.',
  '',
  neutralMarkdown(neutral),
  '',
  '## Decision cache hit rate on a service-mesh input mix',
  '',
  hitRateMarkdown(hitRate),
  '',
  '## In-process: SDK and raw opa_eval vs `opa bench`',
  '',
  inProcessMarkdown(inProcess),
  '',
  '## Catalog size',
  '',
  catalogMarkdown(catalog),
  '',
  '## Reload latency',
  '',
  reload.table,
  '',
  '## Hot reload under load',
  '',
  `The bundle file is replaced by rename with a new revision ${plan.reloadUnderLoad[3]} ms after the last one ` +
    'was first answered, idle and while an open loop runs at half the rate `clearance serve` sustains; the time ' +
    'is from the rename to the first answer naming the new revision; "load" and "activate" are the ' +
    "server's own timers from GET /v1/status.",
  '',
  reloadUnderLoadMarkdown(reloadUnderLoad),
  '',
  '## Memory',
  '',
  memoryMarkdown(memory),
  '',
  '## Where the server spends its time',
  '',
  profileMarkdown(profile),
  '',
].join('\n')

const results = {
  quick,
  startedAt,
  totalSeconds,
  machine,
  goals,
  http,
  inProcess,
  neutral,
  hitRate,
  catalog,
  reload,
  reloadUnderLoad,
  memory,
  profile,
}
await writeFile(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
if (!values['no-write']) await writeFile(values.out, report)
process.stdout.write(`\n${report}`)
process.stderr.write(
  `\n${values['no-write'] ? 'not written' : `written to ${relative(repoRoot, values.out)}`}; raw numbers in ` +
    `${relative(repoRoot, join(outDir, 'results.json'))}; ${totalSeconds.toFixed(0)} s\n`,
)
