// The fleet's figures for docs/deploy.md and docs/scale.md, measured on this machine:
// - a fleet (real docker-registry, 3 `clearance serve` replicas with default settings, nginx, one decision-log
//   collector) under a bounded load: convergence after each of 10 pushes (median, max; whole, and less the
//   replica's own activation), failed requests at nginx while a replica stops, decision-log events lost or
//   doubled, and registry requests per replica per minute (measured at the bench's 1–2 s polling, and the
//   requests per poll that turns into the figure at the default 60–120 s);
// - one replica: decisions/s per core (closed loop, decisions per CPU-second of the server), and RSS with a
//   10,000-service catalog against the reference bundle.
// Usage: npx tsx bench/fleet.ts [--pushes 10]   (needs dist/: npm run build:ts; docker-registry and nginx)
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { readArchive, reloadVersion } from '../test/engine/activation/support/bundle-kit.js'
import { buildFixture } from '../test/helpers/fixtures.js'
import { type Convergence, startFleet, startLoad } from '../test/helpers/fleet.js'
import { catalogBundle, decisionPath, outDir, referenceBundle } from './support/bundles.js'
import { runClosedLoop } from './support/load.js'
import { startClearance } from './support/servers.js'
import { median } from './support/stats.js'

const { values } = parseArgs({ options: { pushes: { type: 'string', default: '10' } } })
const pushes = Number(values.pushes)
const POLLING = { min: 1, max: 2 }
const DEFAULT_MEAN_POLL_S = 90

const registryRequests = (log: string): number =>
  log.split('\n').filter((line) => /^127\.0\.0\.1 - .*"(GET|HEAD|PUT|POST) \/v2\//.test(line)).length

async function fleetFigures() {
  const base = await readArchive(await buildFixture('reload'))
  const fleet = await startFleet({
    replicas: 3,
    bundle: (version) => reloadVersion(base, version),
    pollingMinSeconds: POLLING.min,
    pollingMaxSeconds: POLLING.max,
  })
  try {
    // quiet window: no push, no load; every registry request is a poll
    const quietS = 30
    const before = registryRequests(fleet.registry.log())
    await new Promise((resolve) => setTimeout(resolve, quietS * 1000))
    const quiet = registryRequests(fleet.registry.log()) - before
    const perReplicaPerMinute = quiet / 3 / (quietS / 60)
    const meanPollS = (POLLING.min + POLLING.max) / 2
    const requestsPerPoll = quiet / 3 / (quietS / meanPollS)

    const load = startLoad(fleet.nginx.url, 2, 10)
    const convergence: Convergence[][] = []
    for (let version = 2; version < 2 + pushes; version++) {
      await fleet.push(version)
      convergence.push(await fleet.convergence(version, Date.now(), 60_000))
    }
    const stopAt = Date.now()
    await fleet.stopReplica(1)
    const stopMs = Date.now() - stopAt
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const result = await load.stop()
    const deadline = Date.now() + 20_000
    while (fleet.collector.events.length < result.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const logged = fleet.collector.events.map((event) => event.decision_id as string)
    const served = new Set(result.decisionIds)
    const whole = convergence.map((times) => Math.max(...times.map((t) => t.ms)))
    const distribution = convergence.map((times) => Math.max(...times.map((t) => t.ms - t.activationMs)))
    const activation = convergence.flat().map((t) => t.activationMs)
    return {
      pushes,
      polling: `${POLLING.min}-${POLLING.max} s`,
      convergenceMs: { median: median(whole), max: Math.max(...whole) },
      convergenceLessActivationMs: { median: median(distribution), max: Math.max(...distribution) },
      activationMs: { median: median(activation), max: Math.max(...activation) },
      decisionsServed: result.ok,
      failedRequests: result.failed,
      failures: result.failures.slice(0, 5),
      replicaStopMs: stopMs,
      eventsLogged: logged.length,
      eventsLost: [...served].filter((id) => !logged.includes(id)).length,
      eventsDuplicated: logged.length - new Set(logged).size,
      registry: {
        quietWindowS: quietS,
        requestsPerReplicaPerMinuteAtBenchPolling: round(perReplicaPerMinute),
        requestsPerPoll: round(requestsPerPoll),
        requestsPerReplicaPerMinuteAtDefaultPolling: round((requestsPerPoll * 60) / DEFAULT_MEAN_POLL_S),
      },
    }
  } finally {
    await fleet.stop()
  }
}

const round = (value: number): number => Math.round(value * 100) / 100

async function replicaFigures() {
  const reference = await referenceBundle()
  const server = await startClearance({ bundle: reference.wasm })
  let perCore: {
    decisionsPerSecond: number
    cpuSeconds: number
    decisionsPerCpuSecond: number
    rssMiB: number
  }
  try {
    const bodies = reference.inputs.map((input) => JSON.stringify({ input }))
    const target = { url: server.url, path: `/v1/data/${decisionPath}`, bodies }
    await runClosedLoop(target, { connections: 16, seconds: 2 })
    const cpuBefore = server.cpuMs()
    const load = await runClosedLoop(target, { connections: 16, seconds: 8 })
    const cpuSeconds = (server.cpuMs() - cpuBefore) / 1000
    perCore = {
      decisionsPerSecond: Math.round(load.rps),
      cpuSeconds: round(cpuSeconds),
      decisionsPerCpuSecond: Math.round((load.rps * load.seconds) / cpuSeconds),
      rssMiB: Math.round(server.memory().rssMiB),
    }
  } finally {
    await server.stop()
  }
  const catalog = await catalogBundle(10_000)
  const big = await startClearance({ bundle: catalog.wasm })
  let catalogRssMiB: number
  try {
    const bodies = catalog.inputs.slice(0, 100).map((input) => JSON.stringify({ input }))
    await runClosedLoop(
      { url: big.url, path: `/v1/data/${decisionPath}`, bodies },
      { connections: 8, seconds: 3 },
    )
    catalogRssMiB = Math.round(big.memory().rssMiB)
  } finally {
    await big.stop()
  }
  return {
    ...perCore,
    catalog10kRssMiB: catalogRssMiB,
    catalog10kOverReferenceMiB: catalogRssMiB - perCore.rssMiB,
  }
}

const fleet = await fleetFigures()
const replica = await replicaFigures()
const figures = {
  machine: {
    cores: (await import('node:os')).availableParallelism(),
    loadavg: (await import('node:os')).loadavg().map(round),
  },
  fleet,
  replica,
}
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, 'fleet.json'), `${JSON.stringify(figures, null, 2)}\n`)
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
