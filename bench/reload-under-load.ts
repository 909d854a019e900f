// Hot reload under load: `clearance serve` watching a bundle file answers an open loop at half the rate it
// sustains (measured first, closed loop), while the file is rewritten by rename with a new revision every
// --interval ms. For each rewrite: the time from the rename to the first answer whose provenance names the new
// revision, and, from GET /v1/status, the parts the server timed itself (timer_rego_load_bundles_ns: read, verify,
// compile; timer_bundle_activate_ns: build the policy set, start its evaluation threads, smoke-evaluate, swap).
// The rest is the watcher's notice plus its cool-down (--reload-cooldown-ms, 100 ms by default) and the wait for the
// next answer. The same is measured idle (a few requests/s) for comparison.
// --bin runs another build's bin/clearance.js (a before/after: a detached worktree of main with its dist built).
// Usage: npx tsx bench/reload-under-load.ts [--reloads 20] [--interval 1500] [--seconds 3] [--bin path] [--json file]
import { rename, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildBundle } from '../engine/build/build-bundle.js'
import { DEFAULTS } from '../engine/config/defaults.js'
import { readArchive, reloadVersion } from '../test/engine/activation/support/bundle-kit.js'
import { outDir, repoRoot } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { runClosedLoop } from './support/load.js'
import {
  type ReloadPhase,
  type ReloadUnderLoadResult,
  reloadUnderLoadMarkdown,
} from './support/reload-under-load-report.js'
import { startClearance } from './support/servers.js'

const { values } = parseArgs({
  options: {
    reloads: { type: 'string', default: '20' },
    interval: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '3' },
    bin: { type: 'string' },
    json: { type: 'string' },
  },
})
const reloads = Number(values.reloads)
const intervalMs = Number(values.interval)

const dir = join(outDir, 'reload-under-load')
const built = join(dir, 'reload-base.tar.gz')
await buildBundle({ source: join(repoRoot, 'test', 'fixtures', 'reload'), output: built, revision: 'v0' })
const base = await readArchive(built)
const file = join(dir, 'reload.tar.gz')
let version = 0
await writeFile(file, reloadVersion(base, version))

const path = '/v1/data/reload/allow'
const body = Buffer.from(JSON.stringify({ input: { user: 'alice' } }))
const server = await startClearance({
  bundle: file,
  serveArgs: ['--decision-cache', 'off'],
  ...(values.bin === undefined ? {} : { bin: values.bin }),
})

/** Sends `rate` requests/s on a schedule and notes, per answer, when it came and which revision made it. */
function driveLoad(rate: number, onAnswer: (revision: string, atMs: number) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const url = new URL(server.url)
  let failed = 0
  let answers = 0
  let stopped = false
  const started = performance.now()
  let sent = 0
  const tick = (): void => {
    if (stopped) return
    const due = Math.floor(((performance.now() - started) / 1000) * rate)
    for (; sent < due; sent++) {
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => {
            answers++
            if (res.statusCode !== 200) {
              failed++
              return
            }
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
              provenance: { bundles: Record<string, { revision: string }> }
            }
            onAnswer(parsed.provenance.bundles.reload?.revision ?? '', performance.now())
          })
        },
      )
      req.on('error', () => failed++)
      req.end(body)
    }
    setTimeout(tick, 1)
  }
  tick()
  return {
    stop() {
      stopped = true
      agent.destroy()
      return { failed, answers }
    },
  }
}

async function statusMetrics(): Promise<{ loadMs: number; activateMs: number }> {
  const res = await fetch(`${server.url}/v1/status`)
  const status = (await res.json()) as {
    result: { bundles: Record<string, { metrics?: Record<string, number> }> }
  }
  const metrics = status.result.bundles.reload?.metrics ?? {}
  return {
    loadMs: (metrics.timer_rego_load_bundles_ns ?? Number.NaN) / 1e6,
    activateMs: (metrics.timer_bundle_activate_ns ?? Number.NaN) / 1e6,
  }
}

async function phase(rate: number, count: number): Promise<ReloadPhase> {
  const result: ReloadPhase = { rate, toFirstAnswerMs: [], loadMs: [], activateMs: [], failed: 0, answers: 0 }
  let waitingFor: { revision: string; writtenAt: number; resolve: (atMs: number) => void } | undefined
  const load = driveLoad(rate, (revision, atMs) => {
    if (waitingFor !== undefined && revision === waitingFor.revision) {
      const found = waitingFor
      waitingFor = undefined
      found.resolve(atMs - found.writtenAt)
    }
  })
  await new Promise((resolve) => setTimeout(resolve, 1000))
  for (let i = 0; i < count; i++) {
    version++
    const next = join(dir, `reload.${version}.tmp`)
    await writeFile(next, reloadVersion(base, version))
    const seen = new Promise<number>((resolve) => {
      waitingFor = { revision: `v${version}`, writtenAt: performance.now(), resolve }
    })
    await rename(next, file)
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 10_000))
    result.toFirstAnswerMs.push(await Promise.race([seen, timeout]))
    const timers = await statusMetrics()
    result.loadMs.push(timers.loadMs)
    result.activateMs.push(timers.activateMs)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  Object.assign(result, load.stop())
  return result
}

try {
  const closed = await runClosedLoop(
    { url: server.url, path, bodies: [body.toString()] },
    { connections: 16, seconds: Number(values.seconds) },
  )
  const half = Math.max(1, Math.round(closed.rps / 2))
  const idle = await phase(5, Math.max(3, Math.round(reloads / 4)))
  const loaded = await phase(half, reloads)
  const result: ReloadUnderLoadResult = {
    maxRps: closed.rps,
    idle,
    loaded,
    rssMiB: server.memory().rssMiB,
    cooldownMs: DEFAULTS.reloadCooldownMs,
  }
  writeJson(values.json, result)
  console.log(reloadUnderLoadMarkdown(result, values.bin === undefined ? 'clearance serve' : values.bin))
} finally {
  await server.stop()
}
