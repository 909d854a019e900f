#!/usr/bin/env node
// Runs the Rego unit tests of policies/ with the pinned opa and enforces a coverage floor.
// Usage: node scripts/opa-test.mjs [dir=policies] [--threshold 90]
import { execFileSync, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const thresholdAt = args.indexOf('--threshold')
const threshold = thresholdAt >= 0 ? Number(args.splice(thresholdAt, 2)[1]) : 90
const dir = args[0] ?? join(root, 'policies')

const opa = execFileSync('bash', [join(root, 'scripts', 'install-opa.sh')], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
}).trim()

const tests = spawnSync(opa, ['test', dir, '-v', '--timeout', '120s'], { stdio: 'inherit' })
if (tests.status !== 0) process.exit(tests.status ?? 1)

const coverage = spawnSync(opa, ['test', dir, '--coverage', '--format', 'json', '--timeout', '120s'], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
})
if (coverage.status !== 0) {
  process.stderr.write(coverage.stderr)
  process.exit(coverage.status ?? 1)
}
const report = JSON.parse(coverage.stdout)
const percent = Number(report.coverage ?? 0)
process.stdout.write(`Rego coverage: ${percent.toFixed(2)}% (floor ${threshold}%)\n`)
if (percent < threshold) {
  const weak = Object.entries(report.files ?? {})
    .filter(([, file]) => Number(file.coverage ?? 0) < threshold)
    .map(([name, file]) => `  ${name}: ${Number(file.coverage ?? 0).toFixed(1)}%`)
  process.stderr.write(`coverage is below ${threshold}%:\n${weak.join('\n')}\n`)
  process.exit(1)
}
