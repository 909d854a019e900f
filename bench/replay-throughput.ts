// clearance replay: events per second and peak memory on a large decision log of the reference decision
// (policies/examples/allow-orders-to-payments.json). The log is generated once as Clearance's file sink writes it
// (one OPA-shaped event per line, result and reasons as the policy answers them), gzipped, and replayed by the
// real command line in a child process with the reference bundle as candidate; peak RSS is the child's maximum
// resident set (GNU time), worker threads included.
// Usage: npx tsx bench/replay-throughput.ts [--events 1000000] [--threads n] [--json file]
import { execFile } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { parseArgs, promisify } from 'node:util'
import { createGzip } from 'node:zlib'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import type { DecisionRecord } from '../engine/decision-log/decision-event.js'
import { createEventEncoder, withReasons } from '../engine/decision-log/event-encoder.js'
import { topLevelMember } from '../engine/json/index.js'
import { createPolicySet } from '../engine/policy/policy-set.js'
import { decisionPath, exampleInputFile, outDir, referenceBundle, repoRoot } from './support/bundles.js'
import { writeJson } from './support/json-output.js'

const run = promisify(execFile)
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    threads: { type: 'string' },
    json: { type: 'string' },
  },
})
const events = Number(values.events)

async function generateLog(bundlePath: string, file: string): Promise<void> {
  const input = JSON.stringify(JSON.parse(readFileSync(exampleInputFile, 'utf8')))
  const set = await createPolicySet([await loadBundleFromPath('clearance', bundlePath)])
  const outcome = await set.evaluate(decisionPath, new TextEncoder().encode(input))
  if (!outcome.defined) throw new Error('reference decision is undefined')
  const encoder = createEventEncoder({ labels: { id: 'bench', version: '0.1.0' } })
  const reasons = topLevelMember(outcome.json, 'reasons').text
  const gzip = createGzip({ level: 1 })
  const tmp = `${file}.tmp`
  const out = createWriteStream(tmp)
  gzip.pipe(out)
  const start = Date.UTC(2026, 0, 1)
  for (let i = 0; i < events; i++) {
    const record: DecisionRecord = {
      decisionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      path: decisionPath,
      input,
      result: outcome.json,
      revisions: set.revisions,
      requestedBy: '10.1.4.20:41234',
      evalNs: 42_000,
      timestampMs: start + i,
    }
    const line = `${withReasons(encoder.encode({ record, input, result: outcome.json }), reasons)}\n`
    if (!gzip.write(line)) await new Promise((resolve) => gzip.once('drain', resolve))
  }
  gzip.end()
  await finished(out)
  await rename(tmp, file)
  set.close()
}

const bundle = await referenceBundle()
const dir = join(outDir, 'replay')
await mkdir(dir, { recursive: true })
const log = join(dir, `decisions-${events}.jsonl.gz`)
if (!existsSync(log)) {
  const started = Date.now()
  await generateLog(bundle.wasm, log)
  console.error(
    `generated ${events.toLocaleString('en-US')} events in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
}

const args = [
  '-f',
  'maxrss_kib=%M cpu_s=%U+%S',
  process.execPath,
  join(repoRoot, 'bin', 'clearance.js'),
  'replay',
  '--bundle',
  `clearance=${bundle.wasm}`,
  '--format',
  'json',
  '--no-progress',
  ...(values.threads === undefined ? [] : ['--threads', values.threads]),
  log,
]
const { stdout, stderr } = await run('/usr/bin/time', args, { maxBuffer: 64 * 1024 * 1024 })
const report = JSON.parse(stdout) as {
  summary: Record<string, number>
  events_per_second: number
  duration_ms: number
}
const maxRssKiB = Number(/maxrss_kib=(\d+)/.exec(stderr)?.[1])
const cpu = /cpu_s=([\d.]+)\+([\d.]+)/.exec(stderr)
const cpuSeconds = Number(cpu?.[1]) + Number(cpu?.[2])
const result = {
  events,
  threads: values.threads ?? 'one per core',
  read: report.summary.read,
  unchanged: report.summary.unchanged,
  duration_ms: report.duration_ms,
  events_per_second: report.events_per_second,
  peak_rss_mib: Math.round((maxRssKiB / 1024) * 10) / 10,
  /** User + system CPU the whole replay process used (main thread and workers, start-up included). */
  cpu_seconds: cpuSeconds,
  /** Events per CPU-second: on a machine shared with other work, what the replay itself costs. */
  events_per_cpu_second: Math.round(events / cpuSeconds),
  load_average: loadavg().map((l) => Math.round(l * 100) / 100),
}
if (result.read !== events || result.unchanged !== events) {
  throw new Error(`replay read ${result.read} and found ${result.unchanged} unchanged of ${events} events`)
}
console.log(JSON.stringify(result, null, 2))
console.log(
  `\n| events | events/s | goal ≥ 20,000 | events per CPU-s | peak RSS MiB | goal ≤ 300 | load average |\n|---|---|---|---|---|---|---|\n| ${events.toLocaleString('en-US')} | ${result.events_per_second.toLocaleString('en-US')} | ${result.events_per_second >= 20_000 ? 'met' : '**not met**'} | ${result.events_per_cpu_second.toLocaleString('en-US')} | ${result.peak_rss_mib} | ${result.peak_rss_mib <= 300 ? 'met' : '**not met**'} | ${result.load_average.join(' ')} |`,
)
writeJson(values.json, result)
