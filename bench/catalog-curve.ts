// Decision latency against catalog size, side by side: the smallest catalog's evaluator stays loaded and every
// larger one is timed in blocks interleaved with it, so each size's ratio to the smallest is measured under the same
// machine conditions. The catalogs come from bench/catalog/generate-catalog.mjs (every rule looks things up by key,
// so latency should stay flat); `opa bench` on the same Rego and data gives OPA's curve for the first input.
// Usage: npx tsx bench/catalog-curve.ts [--sizes 10,1000,10000,100000] [--decisions 20000] [--no-opa] [--json f]
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { createLocalEvaluator, type LocalEvaluator } from '../sdk/local/index.js'
import { catalogBundle, decisionPath } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { opaBench } from './support/opa-bench.js'
import { type CatalogResult, type CatalogRow, catalogMarkdown } from './support/report.js'
import { summarize } from './support/stats.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,10000,100000' },
    decisions: { type: 'string', default: '20000' },
    block: { type: 'string', default: '500' },
    'no-opa': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
})
const sizes = values.sizes.split(',').map(Number)
const decisions = Number(values.decisions)
const block = Number(values.block)
const opa = await resolveOpaBinary()
const work = await mkdtemp(join(tmpdir(), 'clearance-catalog-curve-'))

interface Loaded {
  evaluator: LocalEvaluator
  inputs: unknown[]
}

async function time(loaded: Loaded, into: Float64Array, from: number, to: number): Promise<void> {
  const { evaluator, inputs } = loaded
  for (let i = from; i < to; i++) {
    const input = inputs[i % inputs.length]
    const t0 = process.hrtime.bigint()
    await evaluator.evaluate(decisionPath, input)
    into[i] = Number(process.hrtime.bigint() - t0) / 1000
  }
}

async function load(size: number): Promise<Loaded & { loadMs: number; dataMiB: number; opaP50Us?: number }> {
  const bundle = await catalogBundle(size)
  const started = performance.now()
  const evaluator = await createLocalEvaluator({ bundles: [`clearance=${bundle.wasm}`] })
  const loadMs = performance.now() - started
  for (const entry of bundle.catalogInputs) {
    const allow = (
      (await evaluator.evaluate<{ allow: boolean }>(decisionPath, entry.input)).result as { allow: boolean }
    ).allow
    if (allow !== entry.expect.allow) throw new Error(`catalog ${size}, "${entry.name}": allow is ${allow}`)
  }
  for (let i = 0; i < 2000; i++)
    await evaluator.evaluate(decisionPath, bundle.inputs[i % bundle.inputs.length])
  let opaP50Us: number | undefined
  if (!values['no-opa']) {
    const inputFile = join(work, `input-${size}.json`)
    await writeFile(inputFile, JSON.stringify(bundle.inputs[0]))
    opaP50Us = (await opaBench(opa, bundle.rego, inputFile)).p50Us
  }
  return { evaluator, inputs: bundle.inputs, loadMs, dataMiB: bundle.dataBytes / 2 ** 20, opaP50Us }
}

const rows: CatalogRow[] = []
const base = await load(sizes[0]!)
const baseSamples: Float64Array[] = []
for (const size of sizes) {
  const current = size === sizes[0] ? base : await load(size)
  const mine = new Float64Array(decisions)
  const theirs = new Float64Array(decisions)
  for (let from = 0; from < decisions; from += block) {
    const to = Math.min(decisions, from + block)
    await time(base, theirs, from, to)
    await time(current, mine, from, to)
  }
  baseSamples.push(theirs)
  const s = summarize(Array.from(mine))
  const b = summarize(Array.from(theirs))
  rows.push({
    size,
    dataMiB: current.dataMiB,
    loadMs: current.loadMs,
    p50Us: s.p50,
    p99Us: s.p99,
    meanUs: s.mean,
    smallestP50Us: b.p50,
    opaP50Us: current.opaP50Us,
  })
  process.stderr.write(
    `catalog ${size}: p50 ${s.p50.toFixed(1)} µs (smallest, same period: ${b.p50.toFixed(1)} µs), ` +
      `load ${Math.round(current.loadMs)} ms\n`,
  )
  if (current !== base) await current.evaluator.close()
}
await base.evaluator.close()
await rm(work, { recursive: true, force: true })

const result: CatalogResult = { rows }
writeJson(values.json, result)
console.log(catalogMarkdown(result))
const last = rows.at(-1)!
console.log(
  `\np50 ratio ${last.size}/${rows[0]!.size} (measured side by side): ${(last.p50Us / last.smallestP50Us).toFixed(2)} (goal ≤ 1.2)`,
)
