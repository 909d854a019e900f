// Figures of the hardening issue, measured on this machine (127.0.0.1 only, bounded in time and memory):
//   1. bundle data: the largest data the default --max-bundle-memory admits, and the RSS a `clearance serve`
//      process takes to load and serve data of a given size (peak and settled), for the data memory factor;
//   2. a 1 GiB compression bomb refused: the longest the serving thread is blocked at once while it is read;
//   3. the starvation attack: legitimate success rate and latency on the attacked module, against a baseline.
// Usage: npm run build:ts && npx tsx bench/hardening.ts [--data-mib 32,64] [--attack-s 15] [--skip data,bomb,attack]
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle } from '../engine/build/build-bundle.js'
import { readBundleArchive } from '../engine/bundle/bundle-files.js'
import { defaultBundleLimits } from '../engine/bundle/bundle-limits.js'
import { DEFAULTS } from '../engine/config/defaults.js'
import { gzipBomb, longestBlock } from '../test/helpers/bundle-bombs.js'
import { percentile, runStarvationAttack } from '../test/helpers/starvation-attack.js'
import { tarGz } from '../test/helpers/tar-builder.js'
import { repoRoot } from './support/bundles.js'
import { startClearance } from './support/servers.js'

const MiB = 1024 * 1024
const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`)
  return at === -1 ? fallback : args[at + 1]!
}
const skip = new Set(option('skip', '').split(','))

/** A catalog-shaped data.json of about `bytes`: records of short strings, as policy data usually is. */
function catalogJson(bytes: number): string {
  const records: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const record = `{"id":"svc-${i}","team":"team-${i % 97}","tier":"${['gold', 'silver', 'bronze'][i % 3]}","owners":["u${i % 1013}","u${(i * 7) % 1013}"],"port":${8000 + (i % 1000)}}`
    records.push(record)
    size += record.length + 1
  }
  return `{"bench":{"catalog":[${records.join(',')}]}}`
}

async function dataFigures(dir: string): Promise<void> {
  console.log(
    `\n## Bundle data\nDefault --max-bundle-memory ${DEFAULTS.maxBundleMemory / MiB} MiB → data limit ${defaultBundleLimits.maxDataBytes! / MiB} MiB (÷ ${DEFAULTS.dataMemoryFactor}).`,
  )
  const fixture = join(dir, 'basic.tar.gz')
  await buildBundle({
    source: join(repoRoot, 'test', 'fixtures', 'basic'),
    output: fixture,
    revision: 'bench',
  })
  const files = await readBundleArchive(await readFile(fixture))
  for (const mib of option('data-mib', '32,64').split(',').map(Number)) {
    const manifest = JSON.parse(Buffer.from(files.get('/.manifest')!).toString('utf8'))
    const entries = [...files]
      .filter(([path]) => path !== '/.manifest')
      .map(([path, body]) => ({ path, body }))
    const bundle = join(dir, `data-${mib}.tar.gz`)
    await writeFile(
      bundle,
      tarGz([
        ...entries,
        { path: '/.manifest', body: JSON.stringify({ ...manifest, roots: [...manifest.roots, 'bench'] }) },
        { path: '/bench/data.json', body: catalogJson(mib * MiB).slice('{"bench":'.length, -1) },
      ]),
    )
    const started = performance.now()
    const server = await startClearance({ bundle, timeoutMs: 600_000 })
    const loadS = (performance.now() - started) / 1000
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const { rssMiB, peakMiB } = server.memory()
    const res = await fetch(`${server.url}/v1/data/example/authz/allow`, {
      method: 'POST',
      body: '{"input":{"user":"alice"}}',
    })
    console.log(
      `- ${mib} MiB of data: serving after ${loadS.toFixed(1)} s; peak RSS ${peakMiB.toFixed(0)} MiB (${((peakMiB * MiB) / (mib * MiB)).toFixed(1)}× the data), settled ${rssMiB.toFixed(0)} MiB; decision ${res.status}`,
    )
    await server.stop()
  }
}

async function bombFigures(): Promise<void> {
  console.log('\n## A 1 GiB compression bomb refused')
  // Five files of 256 MiB, each within the per-file limit: 1.25 GiB unpacked, past the 1 GiB unpacked limit.
  const bomb = await gzipBomb(
    Array.from({ length: 5 }, (_, i) => ({ path: `/assets/blob-${i}.bin`, size: 256 * MiB })),
  )
  const limitsByName = {
    'default limits': defaultBundleLimits,
    'compression-ratio limit off (streams to the 1 GiB unpacked limit)': {
      ...defaultBundleLimits,
      maxCompressionRatio: Number.POSITIVE_INFINITY,
    },
  }
  for (const [name, limits] of Object.entries(limitsByName)) {
    const before = process.memoryUsage().rss
    const started = performance.now()
    const { result, blockedMs } = await longestBlock(() =>
      readBundleArchive(bomb, limits).then(
        () => 'accepted',
        (thrown: Error) => thrown.message,
      ),
    )
    console.log(`- ${(bomb.byteLength / MiB).toFixed(2)} MiB archive, ${name}: ${result}`)
    console.log(
      `  refused after ${(performance.now() - started).toFixed(0)} ms; longest event-loop turn blocked ${blockedMs.toFixed(1)} ms; RSS +${((process.memoryUsage().rss - before) / MiB).toFixed(0)} MiB at refusal`,
    )
  }
}

async function attackFigures(dir: string): Promise<void> {
  const seconds = Number(option('attack-s', '15'))
  console.log(
    `\n## Starvation attack (${seconds} s; 2 legitimate callers; 2 attackers repeating, 1 with fresh inputs)`,
  )
  const bundle = join(dir, 'slow-loop.tar.gz')
  await buildBundle({
    source: join(repoRoot, 'test', 'fixtures', 'slow-loop'),
    output: bundle,
    revision: 'bench',
  })
  const server = await startClearance({ bundle, timeoutMs: 120_000 })
  try {
    const common = {
      baseUrl: server.url,
      path: 'slow/pairs',
      legitCallers: 2,
      repeatAttackers: 2,
      freshAttackers: 1,
    }
    const baseline = await runStarvationAttack({ ...common, durationMs: 5000, benign: true })
    const attacked = await runStarvationAttack({ ...common, durationMs: seconds * 1000, slowN: 6000 })
    const p = (values: number[], q: number): string => percentile(values, q).toFixed(1)
    console.log(
      `- baseline (same clients, quick inputs): ${baseline.legit.ok}/${baseline.legit.sent} ok, p50 ${p(baseline.legit.latenciesMs, 50)} ms, p95 ${p(baseline.legit.latenciesMs, 95)} ms`,
    )
    console.log(
      `- under attack: legitimate ${attacked.legit.ok}/${attacked.legit.sent} ok (${((100 * attacked.legit.ok) / attacked.legit.sent).toFixed(1)}%), p50 ${p(attacked.legit.latenciesMs, 50)} ms, p95 ${p(attacked.legit.latenciesMs, 95)} ms; attack requests ${attacked.attack.sent}, allowed ${attacked.attack.ok}`,
    )
  } finally {
    await server.stop()
  }
}

const dir = await mkdtemp(join(tmpdir(), 'clearance-hardening-'))
if (!skip.has('bomb')) await bombFigures()
if (!skip.has('attack')) await attackFigures(dir)
if (!skip.has('data')) await dataFigures(dir)
