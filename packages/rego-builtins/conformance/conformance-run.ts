// One run of OPA's v1 conformance cases against Clearance: build the helper, list and select the cases, compile
// them in one Go process, evaluate each through the injected policy loader, and tally passed / failed / skipped.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CompiledCase, compileCases, listCases } from './case-manifest.js'
import { ensureGoHelper } from './go-helper-binary.js'
import { casesDir, opaModuleDir, wasmExceptionsFile } from './opa-source.js'
import type { PolicyLoader } from './policy-loader.js'
import { runCase } from './run-case.js'
import { REFUSED_BUILTINS, skipClass } from './skip-classes.js'

export interface ConformanceOptions {
  /** Where the Go helper is cached (.tools/conformance-helper/ below it). */
  projectRoot: string
  /** Instantiates each compiled case (the evaluator under test). */
  loader: PolicyLoader
  /** Capabilities file the cases are compiled against; default the package's capabilities.json. */
  capabilities?: string
  /** Keeps only the cases whose key this returns true for (after listing). */
  select?: (keys: readonly string[]) => readonly string[]
  /** Called after each evaluated case. */
  onProgress?: (done: number, total: number) => void
}

export interface CaseFailure {
  key: string
  query: string
  category: string
  detail: string
}

export interface ConformanceReport {
  total: number
  passed: number
  /** Keys of the cases that passed (skipped ones excluded). */
  passedKeys: string[]
  failed: CaseFailure[]
  /** Skipped cases by class, with how many of them pass anyway. */
  skipped: Map<string, { count: number; passAnyway: number }>
}

const packageCapabilities = join(import.meta.dirname, '..', 'capabilities.json')

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const helper = ensureGoHelper(options.projectRoot)
  const opaDir = opaModuleDir()
  const dir = casesDir(opaDir)
  const exceptions = wasmExceptionsFile(opaDir)
  const listed = listCases(helper, dir, exceptions)
  const keys = listed.map((c) => c.key)
  const selected = options.select === undefined ? undefined : options.select(keys)

  const workDir = mkdtempSync(join(tmpdir(), 'clearance-conformance-'))
  let compiled: CompiledCase[]
  try {
    compiled = compileCases({
      helper,
      casesDir: dir,
      capabilities: options.capabilities ?? packageCapabilities,
      workDir,
      only: selected,
      exceptions,
      mentions: REFUSED_BUILTINS,
    })
    const report: ConformanceReport = {
      total: compiled.length,
      passed: 0,
      passedKeys: [],
      failed: [],
      skipped: new Map(),
    }
    let done = 0
    for (const c of compiled) {
      const outcome = await runCase(c, options.loader)
      const skip = skipClass(c)
      if (skip !== undefined) {
        const entry = report.skipped.get(skip) ?? { count: 0, passAnyway: 0 }
        entry.count++
        if (outcome.status === 'passed') entry.passAnyway++
        report.skipped.set(skip, entry)
      } else if (outcome.status === 'passed') {
        report.passed++
        report.passedKeys.push(c.key)
      } else {
        report.failed.push({ key: c.key, query: c.query, category: outcome.category, detail: outcome.detail })
      }
      options.onProgress?.(++done, compiled.length)
    }
    return report
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}
