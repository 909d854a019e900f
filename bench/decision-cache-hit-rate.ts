// The decision cache's hit rate on a realistic input mix. The hit rate depends only on the stream of input bytes and
// the cache's bounds (a key is the path and the exact input bytes), so the stream goes through the cache module
// itself (engine/policy/decision-cache.ts, default bounds) with an answer of the reference decision's size; no
// evaluation is needed to count hits.
// The stream: the inputs of a generated catalog (bench/catalog/generate-catalog.mjs: callers, targets, operations
// across N services), picked with Zipf popularity (a few hot service pairs carry most calls, as in a mesh), each
// sent from one of the caller's pods (connection.source_ip) at a steady rate, with the input's `time` field as the
// policy library's inputs carry it. Scenarios go from the cache's best case to per-request inputs.
// Usage: npx tsx bench/decision-cache-hit-rate.ts [--services 1000] [--decisions 200000] [--rate 2000] [--pods 10]
//        [--json file]
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULTS } from '../engine/config/index.js'
import { createDecisionCache } from '../engine/policy/index.js'
import { decisionPath, repoRoot } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { type HitRateResult, hitRateMarkdown } from './support/neutral-report.js'

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    decisions: { type: 'string', default: '200000' },
    rate: { type: 'string', default: '2000' },
    pods: { type: 'string', default: '10' },
    json: { type: 'string' },
  },
})
const services = Number(values.services)
const decisions = Number(values.decisions)
const rate = Number(values.rate)
const pods = Number(values.pods)

const dir = await mkdtemp(join(tmpdir(), 'clearance-hit-rate-'))
let inputs: Array<Record<string, unknown>>
try {
  execFileSync(
    process.execPath,
    [join(repoRoot, 'bench', 'catalog', 'generate-catalog.mjs'), String(services), '--out', dir],
    { stdio: 'ignore' },
  )
  inputs = (
    JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as Array<{ input: Record<string, unknown> }>
  ).map((entry) => entry.input)
} finally {
  await rm(dir, { recursive: true, force: true })
}

// The generated inputs are a handful of shapes (allowed, denied for each reason); the mesh's traffic is spread over
// service pairs: each service calls three others, each call one of the shapes with the pair's own names.
const shapes = inputs
inputs = []
for (let caller = 0; caller < services; caller++) {
  for (let k = 1; k <= 3; k++) {
    const shape = shapes[(caller + k) % shapes.length]!
    const subject = shape.subject as Record<string, unknown>
    const target = shape.target as Record<string, unknown>
    inputs.push({
      ...shape,
      subject: { ...subject, spiffe_id: `spiffe://shop.example/ns/prod/sa/svc-${caller}` },
      target: { ...target, service: `svc-${(caller * 7 + k) % services}` },
    })
  }
}

// Zipf(1) over the distinct inputs, by a fixed seed so runs compare.
let seed = 42
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}
const weights = inputs.map((_, i) => 1 / (i + 1))
const total = weights.reduce((a, b) => a + b, 0)
const cumulative: number[] = []
let running = 0
for (const weight of weights) {
  running += weight / total
  cumulative.push(running)
}
const pick = (): number => {
  const r = random()
  let lo = 0
  let hi = cumulative.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cumulative[mid]! < r) lo = mid + 1
    else hi = mid
  }
  return lo
}

interface Scenario {
  name: string
  input: (base: Record<string, unknown>, pod: number, elapsedMs: number) => unknown
}
const start = Date.parse('2025-06-01T12:00:00Z')
const withConnection = (base: Record<string, unknown>, pod: number) => ({
  ...(base.connection as object),
  source_ip: `10.1.${pod}.17`,
})
const scenarios: Scenario[] = [
  { name: 'inputs as generated (one time, one source IP)', input: (base) => base },
  {
    name: `source IP per caller pod (${pods} pods), time fixed`,
    input: (base, pod) => ({ ...base, connection: withConnection(base, pod) }),
  },
  {
    name: `source IP per pod, time to the second at ${rate}/s`,
    input: (base, pod, ms) => ({
      ...base,
      connection: withConnection(base, pod),
      time: new Date(start + Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    }),
  },
  {
    name: `source IP per pod, time to the millisecond at ${rate}/s`,
    input: (base, pod, ms) => ({
      ...base,
      connection: withConnection(base, pod),
      time: new Date(start + Math.floor(ms)).toISOString(),
    }),
  },
]

const answer = { defined: true as const, json: '{"allow":true,"obligations":[],"reasons":[]}' }
const set = { deterministic: true }
const encoder = new TextEncoder()
const rows = scenarios.map((scenario) => {
  seed = 42
  const cache = createDecisionCache({
    maxEntries: DEFAULTS.decisionCache.maxEntries,
    maxBytes: DEFAULTS.decisionCache.maxBytes,
  })
  const distinct = new Set<string>()
  for (let i = 0; i < decisions; i++) {
    const bytes = encoder.encode(JSON.stringify(scenario.input(inputs[pick()]!, i % pods, (i * 1000) / rate)))
    if (cache.get(set, decisionPath, bytes) === undefined) cache.put(set, decisionPath, bytes, answer)
    if (distinct.size < 1_000_000) distinct.add(Buffer.from(bytes).toString('latin1'))
  }
  const stats = cache.stats()
  return {
    scenario: scenario.name,
    hitRate: stats.hits / (stats.hits + stats.misses),
    distinctInputs: distinct.size,
    entries: stats.entries,
    bytes: stats.bytes,
  }
})

const result: HitRateResult = { services, decisions, rate, pods, distinctCatalogInputs: inputs.length, rows }
writeJson(values.json, result)
console.log(hitRateMarkdown(result))
