// What the service map's live traffic costs per decision, in process and without the HTTP server around it: the
// aggregator fed the 1,000-service catalog's decisions — one input per declared grant, so a page watches 1,013 live
// edges — with real results from the compiled bundle and the bundle's own mask policy, flushed as the server does
// once a second. Reports process CPU per decision (recording plus its share of the flush); compare it with the
// server's CPU per decision from bench/ui-stream-cost.ts, which a shared machine disturbs far more.
// Usage: npx tsx --conditions=@clearance/source bench/ui-aggregator-cost.ts [--per-flush 2500] [--rounds 6]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { logPolicyEvaluators } from '../engine/decision-log/index.js'
import { createPolicySet } from '../engine/policy/index.js'
import { catalogGraph, createPageMasker, createTrafficAggregator } from '../engine/service-map/index.js'
import { catalogBundle, decisionPath } from './support/bundles.js'

const { values } = parseArgs({
  options: { 'per-flush': { type: 'string', default: '2500' }, rounds: { type: 'string', default: '6' } },
})
const perFlush = Number(values['per-flush'])
const rounds = Number(values.rounds)
const bundle = await catalogBundle(1000)
const set = await createPolicySet([await loadBundleFromPath('clearance', bundle.wasm)])
const graph = catalogGraph(
  JSON.parse(readFileSync(join(bundle.source, 'clearance', 'catalog', 'data.json'), 'utf8')),
)
const identityOf = new Map<string, string>()
for (const [identity, service] of Object.entries(graph.identities)) {
  if (identity.startsWith('spiffe://') && !identityOf.has(service)) identityOf.set(service, identity)
}
const template = bundle.inputs[0] as { subject: object; target: object }
const encoder = new TextEncoder()
const texts = graph.edges.flatMap((edge) => {
  const caller = identityOf.get(edge.from)
  const grant = edge.grants[0]
  if (caller === undefined || grant === undefined) return []
  const http = /^([A-Z]+) (\/.*)$/.exec(grant.operation)
  const operation = http === null ? { rpc: grant.operation } : { method: http[1], path: http[2] }
  const subject = { ...template.subject, spiffe_id: caller }
  const target = { ...template.target, service: edge.to, operation }
  return [JSON.stringify({ ...template, subject, target, purpose: grant.purpose })]
})
const outcomes = await Promise.all(texts.map((text) => set.evaluate(decisionPath, encoder.encode(text))))
const { evaluateMask } = logPolicyEvaluators(() => set)
const aggregator = createTrafficAggregator({
  graph: () => graph,
  mask: createPageMasker({ rules: [], evaluateMask, path: decisionPath }),
  setInterval: () => 0,
  clearInterval: () => {},
})
let edges = 0
aggregator.subscribe((frame) => {
  edges = frame.edges.length
})
let id = 0
let next = 0
const costs: number[] = []
for (let round = 0; round < rounds; round++) {
  const started = process.cpuUsage()
  const flushes = 8
  for (let f = 0; f < flushes; f++) {
    for (let i = 0; i < perFlush; i++) {
      const j = next++ % texts.length
      // a fresh copy, as each request's body is
      aggregator.decided(
        { decisionId: `d-${++id}`, path: decisionPath, outcome: outcomes[j]! },
        encoder.encode(texts[j]!),
      )
    }
    aggregator.flush()
  }
  const cpu = process.cpuUsage(started)
  // the details panel of one open edge, as a page asks for it once a second
  aggregator.recent(graph.edges[0]!.id)
  costs.push((cpu.user + cpu.system) / (flushes * perFlush))
  console.log(
    `round ${round + 1}: ${costs.at(-1)!.toFixed(2)} µs CPU per decision, ${edges} live edges a frame`,
  )
}
const sorted = [...costs].sort((a, b) => a - b)
console.log(
  `${texts.length} inputs; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} µs CPU per decision (includes encoding each input, ~0.3 µs)`,
)
