// Reload latency: the time from writing a new bundle file to the first decision made by it, while decisions run
// continuously (each one takes the current policy set, as a request would). The watched path is a single .tar.gz
// rewritten by rename (as deploy tools do) or in place; the default cool-down is the one `clearance serve` uses.
// Usage: npx tsx bench/reload-latency.ts [--reloads 50] [--cooldown 100] [--method rename|in-place]
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createBundleManager } from '../engine/activation/bundle-manager.js'
import { createPolicyRegistry } from '../engine/activation/policy-registry.js'
import { buildBundle } from '../engine/build/build-bundle.js'
import { readArchive, reloadVersion, writeBundle } from '../test/engine/activation/support/bundle-kit.js'

const { values } = parseArgs({
  options: {
    reloads: { type: 'string', default: '50' },
    cooldown: { type: 'string', default: '100' },
    method: { type: 'string', default: 'rename' },
  },
})
const reloads = Number(values.reloads)
const cooldownMs = Number(values.cooldown)
const method = values.method === 'in-place' ? 'in-place' : 'rename'

const work = await mkdtemp(join(tmpdir(), 'clearance-reload-bench-'))
const built = join(work, 'reload-base.tar.gz')
await buildBundle({
  source: join(import.meta.dirname, '..', 'test', 'fixtures', 'reload'),
  output: built,
  revision: 'v0',
})
const base = await readArchive(built)
const versions = Array.from({ length: reloads + 1 }, (_, i) => reloadVersion(base, i))
const file = join(work, 'reload.tar.gz')
await writeFile(file, versions[0]!)

const registry = createPolicyRegistry()
const manager = createBundleManager({
  specs: [{ name: 'reload', path: file }],
  registry,
  log: pino({ level: 'silent' }),
  cooldownMs,
})
await manager.start()

const input = new TextEncoder().encode('{}')
const versionNow = (): string | undefined => {
  const outcome = registry.current()?.evaluateEntrypoint('reload/version', input)
  return outcome?.defined ? (JSON.parse(outcome.json) as string) : undefined
}

/** Decides continuously until a decision reports `version`; resolves with the time of that decision. */
async function firstDecisionBy(version: string, deadlineMs: number): Promise<bigint> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    if (versionNow() === version) return process.hrtime.bigint()
    if (Date.now() > deadline) throw new Error(`version ${version} never went live`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const samplesMs: number[] = []
for (let i = 1; i <= reloads; i++) {
  const started = process.hrtime.bigint()
  await writeBundle(file, versions[i]!, method)
  const live = await firstDecisionBy(String(i), 10_000)
  samplesMs.push(Number(live - started) / 1e6)
  // Let the trailing re-check pass, so each write is measured on its own.
  await new Promise((resolve) => setTimeout(resolve, 300))
}
await manager.stop()
await rm(work, { recursive: true, force: true })

const sorted = [...samplesMs].sort((a, b) => a - b)
const at = (p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
const ms = (value: number): string => value.toFixed(1)
process.stdout.write(
  [
    `reload latency, write → first decision by the new revision (${reloads} reloads, ${method}, cool-down ${cooldownMs} ms)`,
    '| median ms | p99 ms | min ms | max ms |',
    '| --- | --- | --- | --- |',
    `| ${ms(at(50))} | ${ms(at(99))} | ${ms(sorted[0]!)} | ${ms(sorted.at(-1)!)} |`,
    '',
  ].join('\n'),
)
