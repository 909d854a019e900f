// Build time and wasm size of a policy folder: opa build as `clearance build` ran it before (annotated entrypoints
// only, no rule index) against `clearance build --entrypoints annotated` and the default `--entrypoints all`.
// Usage: npx tsx bench/build-cost.ts [policy folder]   (default policies/)
import { execFileSync } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, defaultCapabilitiesFile } from '../engine/build/build-bundle.js'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'

const source = process.argv[2] ?? 'policies'
const out = await mkdtemp(join(tmpdir(), 'clearance-build-cost-'))
const wasmBytes = (file: string): number =>
  Number(
    execFileSync('bash', ['-c', `tar xzf '${file}' -O /policy.wasm | wc -c`])
      .toString()
      .trim(),
  )
const runs = 3
const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const opa = await resolveOpaBinary()
const capabilities = defaultCapabilitiesFile()
const before: number[] = []
for (let i = 0; i < runs; i++) {
  const started = performance.now()
  const args = [
    'build',
    '-t',
    'wasm',
    '-b',
    source,
    '-o',
    join(out, 'before.tar.gz'),
    '--ignore',
    '*_test.rego',
  ]
  if (capabilities !== undefined) args.push('--capabilities', capabilities)
  execFileSync(opa, args)
  before.push(performance.now() - started)
}
console.log(
  `before  (opa build, annotated): ${median(before).toFixed(0)} ms, wasm ${wasmBytes(join(out, 'before.tar.gz'))} B`,
)
for (const mode of ['annotated', 'all'] as const) {
  const times: number[] = []
  let count = 0
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    const result = await buildBundle({
      source,
      output: join(out, `${mode}.tar.gz`),
      revision: 'bench',
      entrypoints: mode,
    })
    times.push(performance.now() - started)
    count = result.entrypoints.length
  }
  console.log(
    `clearance build --entrypoints ${mode}: ${median(times).toFixed(0)} ms, wasm ${wasmBytes(join(out, `${mode}.tar.gz`))} B` +
      (mode === 'all' ? `, ${count} entrypoints` : ''),
  )
}
