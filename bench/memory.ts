// Memory, two questions:
// 1. servers: resident memory of `clearance serve` and `opa run --server` holding the same large catalog (same Rego
//    and data), right after start and after a short load over the catalog's inputs; one server at a time, so
//    neither's start-up competes with the other's. `--baseline <checkout>` (repeatable) runs an earlier build of
//    Clearance (its bin/clearance.js and dist/) on the same bundle beside this one, and `--rounds n` repeats the servers in turn,
//    so that a before/after comparison is one run on the same machine conditions;
// 2. growth: whether in-process decisions leak: RSS and heap (after a forced GC) before, after a quarter (warm-up)
//    and after all decisions through the SDK local evaluator, alternating evaluate() and check(). Needs
//    --expose-gc; without it the script re-runs itself with the flag for this part.
// Usage: npx tsx bench/memory.ts [--size 100000] [--decisions 1000000] [--load-seconds 3] [--part all|servers|growth]
//        [--baseline /path/to/checkout] [--rounds 1] [--serve-args "--ui off"] [--json file]
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { createLocalEvaluator } from '../sdk/local/index.js'
import { catalogBundle, decisionPath, referenceBundle } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { runClosedLoop } from './support/load.js'
import {
  type GrowthSnapshot,
  type MemoryResult,
  type MemoryServerRow,
  memoryMarkdown,
} from './support/report.js'
import { type ServerProcess, startClearance, startOpa } from './support/servers.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    decisions: { type: 'string', default: '1000000' },
    'load-seconds': { type: 'string', default: '3' },
    part: { type: 'string', default: 'all' },
    baseline: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '1' },
    'serve-args': { type: 'string', default: '' },
    json: { type: 'string' },
  },
})
const size = Number(values.size)
const decisions = Number(values.decisions)
const loadSeconds = Number(values['load-seconds'])
const rounds = Number(values.rounds)
const serveArgs = values['serve-args'].split(' ').filter((arg) => arg !== '')
const suffix = serveArgs.length === 0 ? '' : ` ${serveArgs.join(' ')}`
const MiB = 2 ** 20

type Growth = MemoryResult['growth']

async function measureGrowth(): Promise<Growth> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('growth needs node --expose-gc')
  const bundle = await referenceBundle()
  const input = bundle.inputs[0]
  const local = await createLocalEvaluator({ bundles: [`clearance=${bundle.wasm}`] })
  const snapshot = (): GrowthSnapshot => {
    gc()
    gc()
    const usage = process.memoryUsage()
    return {
      rssMiB: usage.rss / MiB,
      heapUsedMiB: usage.heapUsed / MiB,
      externalMiB: usage.external / MiB,
      arrayBuffersMiB: usage.arrayBuffers / MiB,
    }
  }
  for (let i = 0; i < 10_000; i++) await local.evaluate(decisionPath, input)
  const before = snapshot()
  const started = performance.now()
  let quarter = before
  for (let i = 0; i < decisions; i++) {
    if (i % 2 === 0) await local.evaluate(decisionPath, input)
    else await local.check(input)
    if (i + 1 === Math.floor(decisions / 4)) quarter = snapshot()
  }
  const seconds = (performance.now() - started) / 1000
  const after = snapshot()
  await local.close()
  return { decisions, seconds, before, quarter, after }
}

async function measureServers(): Promise<MemoryServerRow[]> {
  const opa = await resolveOpaBinary()
  const bundle = await catalogBundle(size)
  const bodies = bundle.inputs.map((input) => JSON.stringify({ input }))
  const rows: MemoryServerRow[] = []
  const starters: Array<() => Promise<ServerProcess>> = [
    () => startClearance({ bundle: bundle.wasm, timeoutMs: 600_000, serveArgs, name: `clearance${suffix}` }),
    ...(values.baseline ?? []).map(
      (root) => () =>
        startClearance({
          bundle: bundle.wasm,
          timeoutMs: 600_000,
          serveArgs,
          root,
          name: `clearance (${basename(root)})${suffix}`,
        }),
    ),
    () => startOpa({ opa, bundle: bundle.rego, timeoutMs: 600_000 }),
  ]
  for (let round = 0; round < rounds; round++)
    for (const start of starters) {
      const t0 = performance.now()
      const server = await start()
      const startMs = performance.now() - t0
      try {
        const started = server.memory()
        await runClosedLoop(
          { url: server.url, path: `/v1/data/${decisionPath}`, bodies },
          { connections: 8, seconds: loadSeconds },
        )
        const loaded = server.memory()
        rows.push({
          name: server.name,
          startMs,
          startedRssMiB: started.rssMiB,
          loadedRssMiB: loaded.rssMiB,
          peakMiB: loaded.peakMiB,
        })
        process.stderr.write(
          `${server.name} on ${size} services: ready in ${Math.round(startMs)} ms, RSS ${Math.round(started.rssMiB)} → ` +
            `${Math.round(loaded.rssMiB)} MiB, peak ${Math.round(loaded.peakMiB)} MiB\n`,
        )
      } finally {
        await server.stop()
      }
    }
  return rows
}

async function growthInChild(): Promise<Growth> {
  const work = await mkdtemp(join(tmpdir(), 'clearance-memory-'))
  try {
    const file = join(work, 'growth.json')
    execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        join(import.meta.dirname, 'memory.ts'),
        '--part',
        'growth',
        '--decisions',
        String(decisions),
        '--json',
        file,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    )
    return (JSON.parse(await readFile(file, 'utf8')) as { growth: Growth }).growth
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

if (values.part === 'growth') {
  const growth = await measureGrowth()
  writeJson(values.json, { growth })
  console.log(JSON.stringify(growth, null, 2))
} else {
  const servers = await measureServers()
  const growth =
    values.part === 'servers'
      ? undefined
      : (globalThis as { gc?: unknown }).gc === undefined
        ? await growthInChild()
        : await measureGrowth()
  const empty: GrowthSnapshot = { rssMiB: 0, heapUsedMiB: 0, externalMiB: 0, arrayBuffersMiB: 0 }
  const result: MemoryResult = {
    size,
    servers,
    growth: growth ?? { decisions: 0, seconds: 0, before: empty, quarter: empty, after: empty },
  }
  writeJson(values.json, result)
  console.log(memoryMarkdown(result))
}
