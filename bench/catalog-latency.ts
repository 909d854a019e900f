// Decision latency against catalog size: generates catalogs of 10 → 100,000 services (bench/catalog/), builds
// each with the pinned opa, loads it in-process and times the reference decision over the generated inputs.
// Every rule looks things up by key, so latency should stay flat; the script prints the largest/smallest ratio.
// Usage: npx tsx bench/catalog-latency.ts [--sizes 10,1000,100000] [--rounds 2000]
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { createLocalEvaluator } from '../sdk/local/index.js'

const root = join(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,100000' },
    rounds: { type: 'string', default: '2000' },
  },
})
const sizes = values.sizes.split(',').map(Number)
const rounds = Number(values.rounds)

interface Row {
  size: number
  loadMs: number
  p50: number
  p99: number
  mean: number
}

const rows: Row[] = []
for (const size of sizes) {
  const dir = join(root, 'bench', 'out', `catalog-${size}`)
  execFileSync('node', [join(root, 'bench', 'catalog', 'generate-catalog.mjs'), String(size), '--out', dir], {
    stdio: 'ignore',
  })
  const { output } = await buildBundle({
    source: join(dir, 'bundle'),
    output: join(dir, 'bundle.tar.gz'),
    revision: `catalog-${size}`,
  })
  const inputs = (
    JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as Array<{ input: unknown }>
  ).map((i) => i.input)
  const loadStart = performance.now()
  const evaluator = await createLocalEvaluator({ bundles: [output] })
  const loadMs = performance.now() - loadStart
  for (let i = 0; i < 500; i++)
    await evaluator.evaluate('clearance/authz/decision', inputs[i % inputs.length])
  const samples: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint()
    await evaluator.evaluate('clearance/authz/decision', inputs[i % inputs.length])
    samples.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
  samples.sort((a, b) => a - b)
  rows.push({
    size,
    loadMs,
    p50: samples[Math.floor(samples.length / 2)]!,
    p99: samples[Math.floor(samples.length * 0.99)]!,
    mean: samples.reduce((s, v) => s + v, 0) / samples.length,
  })
  await evaluator.close()
}

console.log('| services in catalog | load ms | p50 µs | p99 µs | mean µs |')
console.log('|---|---|---|---|---|')
for (const row of rows) {
  console.log(
    `| ${row.size} | ${row.loadMs.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.mean.toFixed(1)} |`,
  )
}
const first = rows[0]!
const last = rows[rows.length - 1]!
console.log(`p50 ratio ${last.size}/${first.size}: ${(last.p50 / first.p50).toFixed(2)} (goal ≤ 1.2)`)
