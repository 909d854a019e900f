#!/usr/bin/env node
// Checks policies/scenarios.json against the policy as it ships: builds the wasm bundle with the real `opa`,
// evaluates every scenario through @open-policy-agent/opa-wasm (both entrypoints), and compares each decision with
// OPA's own evaluator on the same inputs. Usage: node policies/check-scenarios.mjs  (OPA_BIN overrides the binary)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPolicy } from '@open-policy-agent/opa-wasm'

const policies = dirname(fileURLToPath(import.meta.url))
const root = dirname(policies)
const opa = execFileSync(join(root, 'scripts/install-opa.sh'), { encoding: 'utf8' }).trim()
const { scenarios } = JSON.parse(readFileSync(join(policies, 'scenarios.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'clearance-scenarios-'))

try {
  const bundle = join(work, 'bundle.tar.gz')
  execFileSync(opa, ['build', '-t', 'wasm', '-b', policies, '--ignore', '*_test.rego', '-o', bundle])
  execFileSync('tar', ['xzf', bundle, '-C', work], { stdio: 'ignore' })
  const policy = await loadPolicy(readFileSync(join(work, 'policy.wasm')))
  policy.setData(JSON.parse(readFileSync(join(work, 'data.json'), 'utf8')))

  const hostBuiltins = requiredHostBuiltins(policy)
  if (hostBuiltins.length > 0)
    console.log(`note: the wasm module needs host builtins: ${hostBuiltins.join(', ')}`)

  // OPA's own evaluator on the same inputs, in one process, to prove wasm and topdown agree to the byte.
  const inputs = join(work, 'inputs.json')
  writeFileSync(inputs, JSON.stringify(scenarios.map((s) => s.input)))
  const query = '[d | some i in input; d := data.clearance.authz.decision with input as i]'
  const topdown = JSON.parse(
    execFileSync(
      opa,
      ['eval', '-b', policies, '--ignore', '*_test.rego', '-i', inputs, '-f', 'json', query],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    ),
  ).result[0].expressions[0].value

  let passed = 0
  let failed = 0
  scenarios.forEach((scenario, i) => {
    const decision = policy.evaluate(scenario.input, 'clearance/authz/decision')[0]?.result
    const allow = policy.evaluate(scenario.input, 'clearance/authz/allow')[0]?.result
    const problems = compare(scenario.expected, decision)
    if (allow !== decision?.allow) problems.push(`allow entrypoint says ${allow}`)
    if (canonical(decision) !== canonical(topdown[i])) problems.push('wasm and opa eval disagree')
    if (problems.length === 0) {
      passed++
      return
    }
    failed++
    console.log(`FAIL ${scenario.name}: ${problems.join('; ')}\n  got ${JSON.stringify(decision)}`)
  })
  console.log(`scenarios: ${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 ? 0 : 1
} finally {
  rmSync(work, { recursive: true, force: true })
}

function compare(expected, decision) {
  const problems = []
  if (decision?.allow !== expected.allow)
    problems.push(`allow ${decision?.allow}, expected ${expected.allow}`)
  const codes = sortedSet((decision?.reasons ?? []).map((r) => r.code))
  if (codes !== sortedSet(expected.reason_codes)) problems.push(`reason codes ${codes}`)
  const types = sortedSet((decision?.obligations ?? []).map((o) => o.type))
  if (types !== sortedSet(expected.obligation_types)) problems.push(`obligation types ${types}`)
  const reasons = decision?.reasons ?? []
  if (expected.reason_count !== undefined && reasons.length !== expected.reason_count)
    problems.push(`${reasons.length} reasons, expected ${expected.reason_count}`)
  for (const { code, text } of expected.reasons_mention ?? []) {
    if (!reasons.some((r) => r.code === code && r.message.includes(text)))
      problems.push(`no ${code} reason mentions "${text}"`)
  }
  return problems
}

// JSON with object keys sorted: opa eval sorts keys, the wasm module keeps insertion order.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function sortedSet(values) {
  return JSON.stringify([...new Set(values)].sort())
}

// The builtins the compiled module imports from its host (sprintf, time.*, …); empty means it is self-contained.
function requiredHostBuiltins(policy) {
  const exports = policy.wasmInstance.exports
  const address = exports.opa_json_dump(exports.builtins())
  const bytes = new Uint8Array(policy.mem.buffer, address)
  return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)))))
}
