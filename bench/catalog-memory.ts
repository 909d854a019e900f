// Memory along the catalog curve: for each catalog size, the resident memory of a process holding the catalog in
// the SDK's local evaluator (in-process, as bench/catalog-curve.ts times it), after the load and after decisions
// over the catalog's inputs, and its peak (VmHWM); `opa run --server` on the same Rego and data beside it. Each
// point runs in a fresh process (bench/support/catalog-memory-child.mjs). `--baseline <checkout>` measures an
// earlier build (its dist/) on the same bundles in the same run, interleaved with this one.
// Usage: npx tsx bench/catalog-memory.ts [--sizes 10,1000,10000,100000] [--decisions 2000] [--rounds 1]
//        [--baseline /path/to/checkout] [--no-opa] [--json file]
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { catalogBundle, decisionPath, repoRoot } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { runClosedLoop } from './support/load.js'
import { startOpa } from './support/servers.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,10000,100000' },
    decisions: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '1' },
    baseline: { type: 'string' },
    'no-opa': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
})

interface Row {
  size: number
  dataMiB: number
  name: string
  loadMs: number
  loadedRssMiB: number
  decidedRssMiB: number
  peakMiB: number
}

const checkouts: Array<[string, string]> = [
  ['clearance (SDK local evaluator)', repoRoot],
  ...(values.baseline === undefined ? [] : [['clearance (baseline)', values.baseline] as [string, string]]),
]
const opa = values['no-opa'] ? undefined : await resolveOpaBinary()
const work = await mkdtemp(join(tmpdir(), 'clearance-catalog-memory-'))
const rows: Row[] = []
try {
  for (const size of values.sizes.split(',').map(Number)) {
    const bundle = await catalogBundle(size)
    const inputsFile = join(work, `inputs-${size}.json`)
    await writeFile(inputsFile, JSON.stringify(bundle.inputs))
    const dataMiB = bundle.dataBytes / 2 ** 20
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, root] of checkouts) {
        const child = join(repoRoot, 'bench', 'support', 'catalog-memory-child.mjs')
        const out = execFileSync(process.execPath, [child, root, bundle.wasm, inputsFile, values.decisions], {
          encoding: 'utf8',
          maxBuffer: 1024 * 1024,
        })
        const point = JSON.parse(out.trim().split('\n').at(-1)!) as Omit<Row, 'size' | 'dataMiB' | 'name'>
        rows.push({ size, dataMiB, name, ...point })
        process.stderr.write(
          `${name} on ${size}: load ${Math.round(point.loadMs)} ms, RSS ${Math.round(point.loadedRssMiB)} → ` +
            `${Math.round(point.decidedRssMiB)} MiB, peak ${Math.round(point.peakMiB)} MiB\n`,
        )
      }
      if (opa !== undefined) {
        const t0 = performance.now()
        const server = await startOpa({ opa, bundle: bundle.rego, timeoutMs: 600_000 })
        const loadMs = performance.now() - t0
        try {
          const loaded = server.memory()
          const bodies = bundle.inputs.map((input) => JSON.stringify({ input }))
          await runClosedLoop(
            { url: server.url, path: `/v1/data/${decisionPath}`, bodies },
            { connections: 1, seconds: 2 },
          )
          const decided = server.memory()
          rows.push({
            size,
            dataMiB,
            name: 'opa run --server',
            loadMs,
            loadedRssMiB: loaded.rssMiB,
            decidedRssMiB: decided.rssMiB,
            peakMiB: decided.peakMiB,
          })
          process.stderr.write(
            `opa on ${size}: RSS ${Math.round(loaded.rssMiB)} → ${Math.round(decided.rssMiB)} MiB, peak ${Math.round(decided.peakMiB)} MiB\n`,
          )
        } finally {
          await server.stop()
        }
      }
    }
  }
} finally {
  await rm(work, { recursive: true, force: true })
}

writeJson(values.json, { rows })
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
console.log(
  '| catalog services | data MiB | process | load ms | RSS after load MiB | RSS after decisions MiB | peak MiB |',
)
console.log('|---|---|---|---|---|---|---|')
for (const row of rows) {
  console.log(
    `| ${row.size.toLocaleString('en-US')} | ${row.dataMiB.toFixed(1)} | ${row.name} | ${fmt(row.loadMs)} | ` +
      `${fmt(row.loadedRssMiB)} | ${fmt(row.decidedRssMiB)} | ${fmt(row.peakMiB)} |`,
  )
}
