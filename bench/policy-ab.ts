// Two versions of a policy folder side by side in one process: each is built with `clearance build`, both must give
// the same answer on every scenario of the candidate's scenarios.json, on the bench input and on --fuzz seeded
// mutations of them (bench/support/input-mutations.ts), then their in-process
// evaluations are timed in interleaved blocks so both see the same machine: the policy set's
// evaluateEntrypoint(path, bytes) with no cache, and the SDK's evaluate() with the decision cache off. Prints the p50
// and p99 of each per repetition, and the baseline/candidate ratio of the p50s.
// --baseline-memo hash evaluates the baseline as `opa build` wrote it, with OPA's own memoization table (the engine
// before engine/policy/memo-table.ts), so that one run compares a policy and engine before with both after; the
// SDK layer, which always loads with the array table, is then not timed.
// Usage: npx tsx bench/policy-ab.ts --baseline <folder> [--candidate policies] [--path clearance/authz/decision]
//        [--input file] [--fuzz 20000] [--repeat 3] [--rounds 10] [--block 1000] [--baseline-memo table|hash]
//        [--json file]
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { encodeJson } from '../engine/json/json-codec.js'
import { createPolicySet, type PolicySet } from '../engine/policy/policy-set.js'
import { createLocalEvaluator, type LocalEvaluator } from '../sdk/local/index.js'
import { decisionPath, exampleInputFile, outDir, repoRoot } from './support/bundles.js'
import { createInputMutator, type Json } from './support/input-mutations.js'
import { writeJson } from './support/json-output.js'
import { median, summarize } from './support/stats.js'

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    candidate: { type: 'string', default: join(repoRoot, 'policies') },
    path: { type: 'string', default: decisionPath },
    input: { type: 'string', default: exampleInputFile },
    fuzz: { type: 'string', default: '20000' },
    repeat: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '10' },
    block: { type: 'string', default: '1000' },
    'baseline-memo': { type: 'string', default: 'table' },
    json: { type: 'string' },
  },
})
if (values.baseline === undefined) throw new Error('--baseline <policy folder> is required')
const path = values.path
const repeat = Number(values.repeat)
const rounds = Number(values.rounds)
const block = Number(values.block)
const baselineMemo = values['baseline-memo']
if (baselineMemo !== 'table' && baselineMemo !== 'hash') throw new Error('--baseline-memo is table or hash')
/** The SDK loads every module with the array table, so its layer compares like with like only then. */
const timeSdkLayer = baselineMemo === 'table'

interface Side {
  name: 'baseline' | 'candidate'
  set: PolicySet
  local: LocalEvaluator
}

async function side(name: Side['name'], source: string): Promise<Side> {
  const dir = join(outDir, 'policy-ab')
  await mkdir(dir, { recursive: true })
  const output = join(dir, `${name}.tar.gz`)
  await buildBundle({ source: resolve(source), output, revision: name })
  const memoTable = name === 'candidate' || baselineMemo === 'table'
  const set = await createPolicySet([await loadBundleFromPath(name, output)], { memoTable })
  const local = await createLocalEvaluator({
    bundles: [`${name}=${output}`],
    decisionCache: false,
    inputSchema: false,
  })
  return { name, set, local }
}

const sides = [await side('baseline', values.baseline), await side('candidate', values.candidate)] as const
const input: unknown = JSON.parse(readFileSync(values.input, 'utf8'))
const bytes = encodeJson(input)

// Same answers first: a faster policy that decides differently is not a result.
const scenarioFile = join(resolve(values.candidate), 'scenarios.json')
const scenarios = (() => {
  try {
    return (JSON.parse(readFileSync(scenarioFile, 'utf8')) as { scenarios: Array<{ input: unknown }> })
      .scenarios
  } catch {
    return []
  }
})()
/** The result, or the error's code: two versions that fail alike answer alike. */
function answer(s: Side, probeBytes: Uint8Array): string {
  try {
    return JSON.stringify(s.set.evaluateEntrypoint(path, probeBytes))
  } catch (thrown) {
    return `error ${(thrown as { code?: string }).code ?? String(thrown)}`
  }
}

const probes = [input, ...scenarios.map((s) => s.input)] as Json[]
const mutate = createInputMutator(probes, 20261203)
const fuzz = Number(values.fuzz)
for (let i = 0; i < fuzz; i++) probes.push(mutate())
let differing = 0
for (const probe of probes) {
  const probeBytes = encodeJson(probe)
  const [a, b] = sides.map((s) => answer(s, probeBytes))
  if (a !== b) {
    differing++
    if (differing <= 5) {
      console.error(`different answers for ${JSON.stringify(probe)}:\n  baseline  ${a}\n  candidate ${b}`)
    }
  }
}
if (differing > 0) {
  console.error(`${differing} input(s) answered differently; not timing`)
  process.exit(1)
}
if (!timeSdkLayer)
  console.log("baseline with OPA's memoization table (--baseline-memo hash); SDK layer not timed")
console.log(
  `same answers on ${probes.length} inputs: the bench input, ${scenarios.length} scenarios, ${fuzz} mutations (${path})`,
)

const timeSet = (s: Side, out: number[]): void => {
  for (let i = 0; i < block; i++) {
    const t0 = process.hrtime.bigint()
    s.set.evaluateEntrypoint(path, bytes)
    out.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
}
const timeSdk = async (s: Side, out: number[]): Promise<void> => {
  for (let i = 0; i < block; i++) {
    const t0 = process.hrtime.bigint()
    await s.local.evaluate(path, input)
    out.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
}

for (const s of sides) {
  for (let i = 0; i < 3000; i++) s.set.evaluateEntrypoint(path, bytes)
  if (timeSdkLayer) for (let i = 0; i < 3000; i++) await s.local.evaluate(path, input)
}

interface Repetition {
  layer: 'policy set' | 'SDK (cache off)'
  baseline: { p50Us: number; p99Us: number }
  candidate: { p50Us: number; p99Us: number }
  ratio: number
}
const repetitions: Repetition[] = []
for (let r = 0; r < repeat; r++) {
  const set = sides.map(() => [] as number[])
  const sdk = sides.map(() => [] as number[])
  for (let round = 0; round < rounds; round++) {
    // alternate which side goes first so neither always follows the other
    const order = round % 2 === 0 ? [0, 1] : [1, 0]
    for (const i of order) timeSet(sides[i]!, set[i]!)
    if (timeSdkLayer) for (const i of order) await timeSdk(sides[i]!, sdk[i]!)
  }
  const layers = [
    ['policy set', set],
    ['SDK (cache off)', sdk],
  ] as const
  for (const [layer, samples] of timeSdkLayer ? layers : layers.slice(0, 1)) {
    const [a, b] = samples.map((s) => summarize(s))
    const row: Repetition = {
      layer,
      baseline: { p50Us: a!.p50, p99Us: a!.p99 },
      candidate: { p50Us: b!.p50, p99Us: b!.p99 },
      ratio: a!.p50 / b!.p50,
    }
    repetitions.push(row)
    console.log(
      `#${r + 1} ${layer.padEnd(16)} baseline p50 ${a!.p50.toFixed(1)} µs (p99 ${a!.p99.toFixed(1)})  ` +
        `candidate p50 ${b!.p50.toFixed(1)} µs (p99 ${b!.p99.toFixed(1)})  ${row.ratio.toFixed(2)}× faster`,
    )
  }
}
for (const layer of ['policy set', 'SDK (cache off)'] as const) {
  const ratios = repetitions.filter((r) => r.layer === layer).map((r) => r.ratio)
  if (ratios.length === 0) continue
  console.log(`${layer}: median ratio ${median(ratios).toFixed(2)}× over ${ratios.length} repetitions`)
}
for (const s of sides) {
  s.set.close()
  await s.local.close()
}
writeJson(values.json, repetitions)
