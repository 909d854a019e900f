// What the SDK costs a service per decision: in-process decisions per second and the latency of one (the local
// evaluator's check()), and the HTTP client's overhead over a raw fetch of POST /v1/check against the same server
// (a separate process on 127.0.0.1, the same input, requests one after another, the two interleaved so both see the
// same conditions). In-process decisions are timed unguarded and guarded (evaluationTimeoutMs: the policy on its
// own thread, the price of the time limit), interleaved in rounds so both see the same machine.
// Usage: npx tsx bench/sdk-latency.ts [--bundle file] [--input file] [--decisions n] [--requests n] [--local-only]
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { buildBundle } from '../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../engine/config/config.js'
import { startServer } from '../engine/main.js'
import { createClient } from '../sdk/index.js'
import { createLocalEvaluator, type LocalEvaluator } from '../sdk/local/index.js'

const root = join(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    bundle: { type: 'string' },
    input: { type: 'string', default: join(root, 'policies', 'examples', 'allow-orders-to-payments.json') },
    decisions: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '5000' },
    serve: { type: 'string' },
    'local-only': { type: 'boolean', default: false },
  },
})

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const us = (ns: number): string => (ns / 1000).toFixed(1)

function stats(samplesNs: readonly number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samplesNs].sort((a, b) => a - b)
  const mean = samplesNs.reduce((sum, v) => sum + v, 0) / samplesNs.length
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean }
}

function row(name: string, samplesNs: readonly number[]): string {
  const { p50, p99, mean } = stats(samplesNs)
  return `| ${name} | ${samplesNs.length} | ${us(p50)} | ${us(p99)} | ${us(mean)} | ${Math.round(1e9 / mean)} |`
}

async function bench(): Promise<void> {
  const decisions = Number(values.decisions)
  const requests = Number(values.requests)
  const bundle =
    values.bundle ??
    (
      await buildBundle({
        source: join(root, 'policies'),
        output: join(root, 'bundles', 'bench-sdk.tar.gz'),
        revision: 'bench',
      })
    ).output
  const input = JSON.parse(await readFile(values.input, 'utf8')) as unknown
  const now = (): number => Number(process.hrtime.bigint())

  // In-process, unguarded and guarded, in interleaved rounds.
  const local = await createLocalEvaluator({ bundles: [`clearance=${bundle}`] })
  const guarded = await createLocalEvaluator({ bundles: [`clearance=${bundle}`], evaluationTimeoutMs: 1_000 })
  for (const evaluator of [local, guarded]) {
    const first = await evaluator.check(input)
    if (first.error !== undefined) throw new Error(`the input does not decide: ${first.error.message}`)
    for (let i = 0; i < 2_000; i++) await evaluator.check(input)
  }
  const localNs: number[] = []
  const guardedNs: number[] = []
  const timeChecks = async (evaluator: LocalEvaluator, into: number[], n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const t0 = now()
      await evaluator.check(input)
      into.push(now() - t0)
    }
  }
  const rounds = 10
  for (let round = 0; round < rounds; round++) {
    await timeChecks(local, localNs, decisions / rounds)
    await timeChecks(guarded, guardedNs, decisions / rounds)
  }
  const started = now()
  for (let i = 0; i < decisions; i++) await local.check(input)
  const throughput = decisions / ((now() - started) / 1e9)
  const evaluateNs: number[] = []
  for (let i = 0; i < decisions; i++) {
    const t0 = now()
    await local.evaluate('clearance/authz/decision', input)
    evaluateNs.push(now() - t0)
  }
  await local.close()
  await guarded.close()
  const localRows = [
    row('in-process: local evaluator check(), unguarded', localNs),
    row('in-process: local evaluator check(), guarded (evaluationTimeoutMs)', guardedNs),
    row('in-process: local evaluator evaluate() (no verdict shaping)', evaluateNs),
  ]
  const guardRatio = `guarded/unguarded p50: ${(stats(guardedNs).p50 / stats(localNs).p50).toFixed(2)}×`
  if (values['local-only']) {
    console.log('| mode | decisions | p50 µs | p99 µs | mean µs | decisions/s (sequential) |')
    console.log('|---|---|---|---|---|---|')
    for (const line of localRows) console.log(line)
    console.log('')
    console.log(guardRatio)
    console.log(`in-process throughput (untimed loop): ${Math.round(throughput)} decisions/s`)
    return
  }

  // Over HTTP: the PDP in its own process, so client and server do not share an event loop.
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'sdk-latency.ts'), '--serve', bundle],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /^(http:\/\/\S+)$/m.exec(out)
      if (match) resolve(match[1]!)
    })
    server.once('exit', (code) => reject(new Error(`the PDP process exited with ${code}`)))
  })
  try {
    const body = JSON.stringify(input)
    const target = `${url}/v1/check`
    const raw = async (): Promise<void> => {
      const res = await fetch(target, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      })
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
      await res.json()
    }
    const client = createClient({ url, timeoutMs: 5_000, throwOnError: true })
    const cached = createClient({ url, timeoutMs: 5_000, throwOnError: true, cache: { ttlMs: 60_000 } })
    for (let i = 0; i < 1_000; i++) {
      await raw()
      await client.check(input)
    }
    const rawNs: number[] = []
    const clientNs: number[] = []
    for (let i = 0; i < requests; i++) {
      // Alternate which goes first, so neither always runs on a just-warmed connection.
      const order =
        i % 2 === 0
          ? ([raw, () => client.check(input)] as const)
          : ([() => client.check(input), raw] as const)
      for (const [index, call] of order.entries()) {
        const t0 = now()
        await call()
        const elapsed = now() - t0
        const isRaw = (i % 2 === 0) === (index === 0)
        ;(isRaw ? rawNs : clientNs).push(elapsed)
      }
    }
    await cached.check(input)
    const cachedNs: number[] = []
    for (let i = 0; i < requests; i++) {
      const t0 = now()
      await cached.check(input)
      cachedNs.push(now() - t0)
    }

    // The client's own work per decision (serialize, budget timer, read and check the answer), with the network
    // taken out: the same answer from a stub fetch, for raw fetch and for the client. Stable on a busy machine.
    const reply = await (
      await fetch(target, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    ).text()
    const stubFetch = (async () =>
      new Response(reply, { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch
    const stubbed = createClient({ url, fetch: stubFetch, throwOnError: true })
    const stubRaw = async (): Promise<void> => {
      await (
        await stubFetch(target, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
      ).json()
    }
    const stubRawNs: number[] = []
    const stubClientNs: number[] = []
    for (let i = 0; i < 2_000; i++) {
      await stubRaw()
      await stubbed.check(input)
    }
    for (let i = 0; i < decisions; i++) {
      let t0 = now()
      await stubRaw()
      stubRawNs.push(now() - t0)
      t0 = now()
      await stubbed.check(input)
      stubClientNs.push(now() - t0)
    }

    const rawStats = stats(rawNs)
    const clientStats = stats(clientNs)
    console.log(`decision: POST /v1/check (data.clearance.authz.decision)  bundle: ${bundle}`)
    console.log(`input: ${values.input}`)
    console.log('')
    console.log('| mode | decisions | p50 µs | p99 µs | mean µs | decisions/s (sequential) |')
    console.log('|---|---|---|---|---|---|')
    for (const line of localRows) console.log(line)
    console.log(row('HTTP: raw fetch POST /v1/check + res.json()', rawNs))
    console.log(row('HTTP: SDK client check()', clientNs))
    console.log(row('HTTP: SDK client check(), cache hit', cachedNs))
    console.log(row('no network: raw fetch + res.json() of a stub answer', stubRawNs))
    console.log(row('no network: SDK client check() of a stub answer', stubClientNs))
    console.log('')
    console.log(`in-process throughput (untimed loop): ${Math.round(throughput)} decisions/s`)
    console.log(guardRatio)
    const stubRawStats = stats(stubRawNs)
    const stubClientStats = stats(stubClientNs)
    console.log(
      `HTTP client overhead over raw fetch (real server): p50 ${us(clientStats.p50 - rawStats.p50)} µs, mean ${us(clientStats.mean - rawStats.mean)} µs per decision`,
    )
    console.log(
      `HTTP client's own work over raw fetch (stub answer): p50 ${us(stubClientStats.p50 - stubRawStats.p50)} µs, mean ${us(stubClientStats.mean - stubRawStats.mean)} µs per decision`,
    )
  } finally {
    server.kill('SIGTERM')
  }
}

// Server mode: this file started as the PDP process by the benchmark below.
if (values.serve !== undefined) {
  const server = await startServer(
    serveConfigFromOptions({ bundle: [`clearance=${values.serve}`], addr: '127.0.0.1:0', logLevel: 'error' }),
    pino({ level: 'error' }),
  )
  process.stdout.write(`${server.url}\n`)
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
} else {
  await bench()
}
