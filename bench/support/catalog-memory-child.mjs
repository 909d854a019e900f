// One point of bench/catalog-memory.ts in a process of its own: loads a catalog bundle into the SDK's local
// evaluator of the checkout given (its built dist/), makes decisions over the catalog's inputs, and prints the
// process's resident memory after the load and its peak (VmHWM) as JSON. Plain JavaScript on the built SDK, so no
// TypeScript loader sits in the measured process.
// Usage: node catalog-memory-child.mjs <checkout> <bundle.tar.gz> <inputs.json> <decisions>
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [root, bundle, inputsFile, decisions] = process.argv.slice(2)
// the SDK's local evaluator moved from dist/sdk/ to dist/sdk/local/
const local = join(root, 'dist', 'sdk', 'local', 'index.js')
const sdk = await import(
  pathToFileURL(existsSync(local) ? local : join(root, 'dist', 'sdk', 'index.js')).href
)
const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'))
const status = (field) =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024

const started = performance.now()
const evaluator = await sdk.createLocalEvaluator({ bundles: [`clearance=${bundle}`] })
const loadMs = performance.now() - started
const loadedRssMiB = status('VmRSS')
for (let i = 0; i < Number(decisions); i++) {
  await evaluator.evaluate('clearance/authz/decision', inputs[i % inputs.length])
}
const result = { loadMs, loadedRssMiB, decidedRssMiB: status('VmRSS'), peakMiB: status('VmHWM') }
await evaluator.close()
process.stdout.write(`${JSON.stringify(result)}\n`)
