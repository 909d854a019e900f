// The Rego unit tests of a policy folder, run by the pinned opa (`opa test -v`, then `--coverage`), with a
// coverage floor. `clearance test` and scripts/opa-test.mjs both run them through here.
import { spawn } from 'node:child_process'
import { resolveOpaBinary } from './opa-binary.js'

export interface RegoTestOptions {
  /** Lowest coverage (percent) that passes; 0 reports coverage without a floor. */
  coverageThreshold: number
  /** Where opa's test report and the coverage summary go (stdout by default). */
  write?: (text: string) => void
}

export interface RegoTestResult {
  /** True when every test passed and coverage met the floor. */
  passed: boolean
  /** Percent of Rego lines covered, undefined when the folder has no tests. */
  coverage: number | undefined
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function runOpa(opa: string, args: string[], echo?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(opa, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      if (echo === undefined) stdout += chunk.toString()
      else echo(chunk.toString())
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

export async function runRegoTests(dir: string, options: RegoTestOptions): Promise<RegoTestResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text))
  const opa = await resolveOpaBinary()
  const tests = await runOpa(opa, ['test', dir, '-v', '--timeout', '120s'], write)
  if (tests.stderr !== '') write(tests.stderr)
  // opa test exits 2 when a test fails and 1 when the Rego does not load: both fail the run.
  if (tests.code !== 0) return { passed: false, coverage: undefined }
  const run = await runOpa(opa, ['test', dir, '--coverage', '--format', 'json', '--timeout', '120s'])
  if (run.code !== 0) {
    write(run.stderr)
    return { passed: false, coverage: undefined }
  }
  const report = JSON.parse(run.stdout === '' ? '{}' : run.stdout) as {
    coverage?: number
    files?: Record<string, { coverage?: number }>
  }
  if (report.files === undefined || Object.keys(report.files).length === 0) {
    return { passed: true, coverage: undefined }
  }
  const coverage = Number(report.coverage ?? 0)
  write(
    `Rego coverage: ${coverage.toFixed(2)}%${options.coverageThreshold > 0 ? ` (floor ${options.coverageThreshold}%)` : ''}\n`,
  )
  if (coverage >= options.coverageThreshold) return { passed: true, coverage }
  const weak = Object.entries(report.files)
    .filter(([, file]) => Number(file.coverage ?? 0) < options.coverageThreshold)
    .map(([name, file]) => `  ${name}: ${Number(file.coverage ?? 0).toFixed(1)}%`)
  write(`coverage is below ${options.coverageThreshold}%:\n${weak.join('\n')}\n`)
  return { passed: false, coverage }
}
