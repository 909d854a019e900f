#!/usr/bin/env node
// Writes packages/rego-builtins/capabilities.json: the OPA capabilities of the pinned opa, restricted to the builtins
// Clearance can run — those OPA's wasm compiler implements natively, those opa-wasm implements in JavaScript
// and Clearance's host builtins (@clearance/rego-builtins). `clearance build` hands the file to
// `opa build --capabilities`, so a policy calling anything else (http.send, net.lookup_ip_addr, …) fails to
// build instead of failing at evaluation time.
//
//   npx tsx scripts/gen-capabilities.mjs           regenerate
//   npx tsx scripts/gen-capabilities.mjs --check   exit 1 when the file is out of date
//
// Runs under tsx because the name lists are exported by the package's TypeScript sources.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  compileTimeBuiltinNames,
  hostBuiltinNames,
  nativeBuiltinNames,
  opaWasmBuiltinNames,
} from '../packages/rego-builtins/src/index.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const target = join(root, 'packages/rego-builtins/capabilities.json')
// Clearance's evaluator needs the single-call opa_eval export, added in wasm ABI 1.2.
const MIN_ABI = { version: 1, minor_version: 2 }

const opa = execFileSync(join(root, 'scripts/install-opa.sh'), { encoding: 'utf8' }).trim()
const version = /^Version: (.+)$/m.exec(execFileSync(opa, ['version'], { encoding: 'utf8' }))?.[1]
if (version === undefined) throw new Error(`cannot read the version of ${opa}`)
const current = JSON.parse(execFileSync(opa, ['capabilities', '--current'], { encoding: 'utf8' }))
// An opa built without a wasm runtime omits wasm_abi_versions from --current; the released capabilities of the
// same version carry them.
const released = JSON.parse(
  execFileSync(opa, ['capabilities', '--version', `v${version}`], { encoding: 'utf8' }),
)
const abiVersions = (current.wasm_abi_versions ?? released.wasm_abi_versions ?? []).filter(
  (v) =>
    v.version > MIN_ABI.version ||
    (v.version === MIN_ABI.version && v.minor_version >= MIN_ABI.minor_version),
)

const supported = new Set([
  ...nativeBuiltinNames,
  ...compileTimeBuiltinNames,
  ...opaWasmBuiltinNames(),
  ...hostBuiltinNames(),
])
const builtins = current.builtins.filter((b) => supported.has(b.name))
const known = new Set(current.builtins.map((b) => b.name))
const unknown = [...supported].filter((name) => !known.has(name)).sort()
const refused = current.builtins.map((b) => b.name).filter((name) => !supported.has(name))

const capabilities = {
  builtins,
  future_keywords: current.future_keywords,
  wasm_abi_versions: abiVersions,
  features: current.features,
}
// Formatted the way the repository's formatter (biome) writes JSON, so `npm run lint` stays clean.
const biome = join(root, 'node_modules/.bin/biome')
const text = execFileSync(biome, ['format', `--stdin-file-path=${target}`], {
  input: `${JSON.stringify(capabilities, null, 2)}\n`,
  encoding: 'utf8',
})

if (process.argv.includes('--check')) {
  let existing = ''
  try {
    existing = readFileSync(target, 'utf8')
  } catch {}
  if (existing !== text) {
    console.error(`${target} is out of date; run: npx tsx scripts/gen-capabilities.mjs`)
    process.exit(1)
  }
  console.log('capabilities.json is up to date')
} else {
  writeFileSync(target, text)
  console.log(`wrote ${target}: ${builtins.length} of ${current.builtins.length} builtins of opa ${version}`)
}
if (unknown.length > 0) console.log(`not in opa ${version} (ignored): ${unknown.join(', ')}`)
console.log(`not supported (refused at build time): ${refused.join(', ')}`)
