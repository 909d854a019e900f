// The bundles the benchmarks run on, built once per run from one source folder so Clearance and OPA see the same
// policy and the same data: a wasm bundle for Clearance (`clearance build`, i.e. `opa build -t wasm`) and a plain
// Rego bundle for OPA (`opa build -b`), since this opa build cannot evaluate wasm and evaluates the Rego with its
// topdown engine. Catalog bundles come from bench/catalog/generate-catalog.mjs and are reused while newer than the
// generator and the policy.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { resolveOpaBinary } from '../../engine/build/opa-binary.js'

export const repoRoot = join(import.meta.dirname, '..', '..')
export const outDir = join(repoRoot, 'bench', 'out')
export const decisionPath = 'clearance/authz/decision'
export const exampleInputFile = join(repoRoot, 'policies', 'examples', 'allow-orders-to-payments.json')

export interface BenchBundle {
  /** Where the policy and data came from. */
  source: string
  /** Wasm bundle for Clearance. */
  wasm: string
  /** Rego bundle for OPA. */
  rego: string
  /** Inputs to drive: the example input for the reference bundle, the generated ones for a catalog. */
  inputs: unknown[]
  /** Size of the data document in bytes. */
  dataBytes: number
}

export interface CatalogInput {
  name: string
  input: unknown
  expect: { allow: boolean }
}

export async function buildRego(
  opa: string,
  source: string,
  output: string,
  revision: string,
): Promise<void> {
  execFileSync(
    opa,
    ['build', '-b', source, '-o', output, '--revision', revision, '--ignore', '*_test.rego'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    },
  )
}

function dataSize(source: string): number {
  let total = 0
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name === 'data.json') total += statSync(path).size
    }
  }
  walk(source)
  return total
}

/** The policy library (policies/) with its example catalog and example input. */
export async function referenceBundle(): Promise<BenchBundle> {
  const opa = await resolveOpaBinary()
  const dir = join(outDir, 'reference')
  await mkdir(dir, { recursive: true })
  const source = join(repoRoot, 'policies')
  const wasm = join(dir, 'clearance.tar.gz')
  const rego = join(dir, 'opa.tar.gz')
  await buildBundle({ source, output: wasm, revision: 'bench' })
  await buildRego(opa, source, rego, 'bench')
  return {
    source,
    wasm,
    rego,
    inputs: [JSON.parse(readFileSync(exampleInputFile, 'utf8'))],
    dataBytes: dataSize(join(source, 'clearance')),
  }
}

function newestMtime(paths: readonly string[]): number {
  return Math.max(...paths.map((path) => statSync(path).mtimeMs))
}

/** A generated catalog of `size` services with the policy library's Rego (bench/out/catalog-<size>). */
export async function catalogBundle(size: number): Promise<BenchBundle & { catalogInputs: CatalogInput[] }> {
  const opa = await resolveOpaBinary()
  const dir = join(outDir, `catalog-${size}`)
  const generator = join(repoRoot, 'bench', 'catalog', 'generate-catalog.mjs')
  const policyDir = join(repoRoot, 'policies', 'clearance', 'authz')
  const inputsFile = join(dir, 'inputs.json')
  const wasm = join(dir, 'bundle.tar.gz')
  const rego = join(dir, 'opa.tar.gz')
  const sources = [generator, ...readdirSync(policyDir).map((name) => join(policyDir, name))]
  const fresh =
    existsSync(inputsFile) &&
    existsSync(wasm) &&
    existsSync(rego) &&
    Math.min(statSync(wasm).mtimeMs, statSync(rego).mtimeMs) > newestMtime(sources)
  if (!fresh) {
    execFileSync(process.execPath, [generator, String(size), '--out', dir], { stdio: 'ignore' })
    await buildBundle({ source: join(dir, 'bundle'), output: wasm, revision: `catalog-${size}` })
    await buildRego(opa, join(dir, 'bundle'), rego, `catalog-${size}`)
  }
  const catalogInputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as CatalogInput[]
  return {
    source: join(dir, 'bundle'),
    wasm,
    rego,
    inputs: catalogInputs.map((entry) => entry.input),
    catalogInputs,
    dataBytes: dataSize(join(dir, 'bundle')),
  }
}
