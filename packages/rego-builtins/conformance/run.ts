// `npm run conformance` — runs OPA's v1 YAML conformance cases (from the pinned OPA module) against a wasm
// evaluator and this package's builtins, prints passed / failed / skipped (by class) and writes every failure to
// .conformance/failures.txt below the working directory (where the Go helper is cached too, in .tools/).
//
//   tsx conformance/run.ts --loader MODULE#EXPORT [--sample N] [--filter TEXT] [--write-known-failures]
//
// The evaluator is the function EXPORT of MODULE, called as EXPORT(wasm, data, { builtins }) (see
// policy-loader.ts); Clearance's root package passes engine/policy/index.ts#loadWasmPolicy.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type ConformanceReport, runConformance } from './conformance-run.js'
import { readKnownFailures, writeKnownFailures } from './known-failures.js'
import type { PolicyLoader } from './policy-loader.js'
import { sampleKeys } from './sample.js'

const projectRoot = process.cwd()

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function printReport(report: ConformanceReport, failuresFile: string): void {
  const skipped = [...report.skipped.values()].reduce((n, s) => n + s.count, 0)
  console.log(
    `\n${report.total} cases: ${report.passed} passed, ${report.failed.length} failed, ${skipped} skipped`,
  )
  for (const [cls, s] of report.skipped) {
    console.log(`  skipped ${s.count}: ${cls}${s.passAnyway > 0 ? ` (${s.passAnyway} pass anyway)` : ''}`)
  }
  const byCategory = new Map<string, number>()
  for (const f of report.failed) byCategory.set(f.category, (byCategory.get(f.category) ?? 0) + 1)
  for (const [category, n] of byCategory) console.log(`  failed ${n}: ${category}`)
  const known = readKnownFailures()
  const fresh = report.failed.filter((f) => !known.has(f.key))
  console.log(
    `  ${report.failed.length - fresh.length} of the failures are listed in conformance/known-failures.txt`,
  )
  for (const f of fresh) console.log(`  NEW FAILURE ${f.key}: ${f.category}`)
  if (report.failed.length > 0) console.log(`failures written to ${failuresFile}`)
}

async function importLoader(spec: string | undefined): Promise<PolicyLoader> {
  const hash = spec?.lastIndexOf('#') ?? -1
  if (spec === undefined || hash <= 0)
    throw new Error('usage: run.ts --loader MODULE#EXPORT [--sample N] [--filter TEXT]')
  const module = (await import(pathToFileURL(resolve(spec.slice(0, hash))).href)) as Record<string, unknown>
  const load = module[spec.slice(hash + 1)]
  if (typeof load !== 'function') throw new Error(`${spec} is not a function`)
  return { load: load as PolicyLoader['load'] }
}

async function main(): Promise<void> {
  const sample = argValue('--sample')
  const filter = argValue('--filter')
  const loader = await importLoader(argValue('--loader'))
  const report = await runConformance({
    projectRoot,
    loader,
    select: (keys) => {
      let chosen = filter === undefined ? keys : keys.filter((k) => k.includes(filter))
      if (sample !== undefined) chosen = sampleKeys(chosen, Number(sample))
      return chosen
    },
    onProgress: (done, total) => {
      if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total}`)
    },
  })
  const dir = join(projectRoot, '.conformance')
  mkdirSync(dir, { recursive: true })
  const failuresFile = join(dir, 'failures.txt')
  const lines = report.failed.map((f) => `${f.key}\n  query: ${f.query}\n  ${f.category}: ${f.detail}\n`)
  writeFileSync(failuresFile, lines.join('\n'))
  if (process.argv.includes('--write-known-failures')) {
    if (sample !== undefined || filter !== undefined)
      throw new Error('--write-known-failures needs the whole suite')
    writeKnownFailures(report.failed)
  }
  printReport(report, failuresFile)
}

await main()
