// In-process decisions against OPA's own evaluator, on the same query, Rego, data and input, and the layers of
// Clearance's in-process path against the floor under them:
//   raw opa_eval      engine/evaluator/wasm-policy.ts evaluate(entrypoint id, pre-encoded input bytes): copy the
//                     input in, one opa_eval call, read the result text (the floor: nothing in Clearance is cheaper)
//   policy set        engine/evaluator/policy-set.ts evaluate(path, bytes): + path lookup and result unwrapping
//   SDK evaluate()    sdk local evaluator: + input object → JSON bytes, decider (decision id, revisions), result
//                     parse
//   SDK check()       + input schema validation and verdict shaping, as POST /v1/check answers
// Clearance's rows run interleaved in blocks so every layer sees the same machine; `opa bench` (topdown) follows.
// Usage: npx tsx bench/inprocess-vs-opa.ts [--decisions 50000] [--block 1000] [--json file]
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { loadBundleFromPath } from '../engine/bundle/index.js'
import { encodeJson } from '../engine/json/json-codec.js'
import { createPolicySet } from '../engine/policy/policy-set.js'
import { loadWasmPolicy } from '../engine/policy/wasm-policy.js'
import { createLocalEvaluator } from '../sdk/local/index.js'
import { decisionPath, exampleInputFile, referenceBundle } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { opaBench } from './support/opa-bench.js'
import { type InProcessResult, inProcessMarkdown, type TimingRow } from './support/report.js'
import { summarize } from './support/stats.js'

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '50000' },
    block: { type: 'string', default: '1000' },
    json: { type: 'string' },
  },
})
const decisions = Number(values.decisions)
const block = Number(values.block)

const opa = await resolveOpaBinary()
const bundle = await referenceBundle()
const input = bundle.inputs[0]
const inputBytes = encodeJson(input)

const loaded = await loadBundleFromPath('clearance', bundle.wasm)
const raw = await loadWasmPolicy(loaded.modules[0]!.bytes, encodeJson(loaded.data))
const entrypoint = raw.entrypoints.get(decisionPath)!
const policySet = await createPolicySet([loaded])
const local = await createLocalEvaluator({ bundles: [`clearance=${bundle.wasm}`] })
if ((await local.check(input)).allow !== true) throw new Error('the example input should be allowed')

const variants: Array<{ name: string; call: () => unknown }> = [
  { name: 'raw opa_eval (wasm-policy, pre-encoded input)', call: () => raw.evaluate(entrypoint, inputBytes) },
  {
    name: 'policy set evaluateEntrypoint(path, bytes)',
    call: () => policySet.evaluateEntrypoint(decisionPath, inputBytes),
  },
  { name: 'SDK local evaluator evaluate()', call: () => local.evaluate(decisionPath, input) },
  { name: 'SDK local evaluator check()', call: () => local.check(input) },
]
for (const variant of variants) {
  for (let i = 0; i < 2000; i++) {
    const pending = variant.call()
    if (pending instanceof Promise) await pending
  }
}

const samples = variants.map(() => new Float64Array(decisions))
const blocks = Math.ceil(decisions / block)
for (let b = 0; b < blocks; b++) {
  const from = b * block
  const to = Math.min(decisions, from + block)
  for (let k = 0; k < variants.length; k++) {
    // Rotate which layer goes first, so none always runs right after another's garbage.
    const v = (k + b) % variants.length
    const call = variants[v]!.call
    const into = samples[v]!
    for (let i = from; i < to; i++) {
      const t0 = process.hrtime.bigint()
      // the SDK answers with a promise: awaited, so its time counts; the raw layers answer at once
      const pending = call()
      if (pending instanceof Promise) await pending
      into[i] = Number(process.hrtime.bigint() - t0) / 1000
    }
  }
}
await local.close()

const rows: TimingRow[] = variants.map((variant, v) => {
  const s = summarize(Array.from(samples[v]!))
  return { name: variant.name, count: s.count, p50Us: s.p50, p99Us: s.p99, meanUs: s.mean }
})
const result: InProcessResult = {
  input: 'policies/examples/allow-orders-to-payments.json',
  rows,
  opaBench: await opaBench(opa, bundle.rego, exampleInputFile),
}
writeJson(values.json, result)
console.log(inProcessMarkdown(result))
const floor = rows[0]!
const sdk = rows[2]!
console.log(
  `\nSDK evaluate() p50 ${sdk.p50Us.toFixed(2)} µs (goal ≤ 5); over raw opa_eval ${(sdk.p50Us / floor.p50Us).toFixed(2)}× ` +
    `(goal ≤ 1.3); opa bench p50 / SDK p50 ${(result.opaBench.p50Us / sdk.p50Us).toFixed(1)}×`,
)
