// Where a decision's time goes in the server: runs `clearance serve` under `node --cpu-prof`, drives it with the
// closed loop, stops it (the profile is written on exit) and sums self time per function and per area (policy
// wasm, opa-wasm glue, Clearance's engine by folder, hono, @hono/node-server, Node's HTTP stack, GC, …) over the
// samples the serving thread took while the load ran. Prints the tables; --keep leaves the .cpuprofile for Chrome DevTools.
// --policy trivial|rbac profiles a neutral policy (bench/neutral-policies/, built by bench/neutral-policies.ts into
// bench/out/neutral-<name>/) instead of the reference decision; --serve-args passes flags to `clearance serve`.
// Usage: npx tsx bench/profile.ts [--seconds 10] [--connections 16] [--workers 1] [--top 20] [--keep dir] [--json f]
//        [--policy reference|trivial|rbac] [--serve-args "--decision-cache off"]
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { decisionPath, outDir, referenceBundle, repoRoot } from './support/bundles.js'
import { writeJson } from './support/json-output.js'
import { runClosedLoop } from './support/load.js'
import { type ProfileEntry, type ProfileResult, profileMarkdown } from './support/report.js'
import { startClearance } from './support/servers.js'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string', default: '1' },
    top: { type: 'string', default: '20' },
    keep: { type: 'string' },
    json: { type: 'string' },
    policy: { type: 'string', default: 'reference' },
    'serve-args': { type: 'string', default: '' },
  },
})
const seconds = Number(values.seconds)
const connections = Number(values.connections)

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

/** Steps of a request whose inclusive time (with everything they call) the report names. */
const INCLUSIVE: ReadonlyArray<{ label: string; test: (frame: CallFrame) => boolean }> = [
  {
    label: 'read the request head (fast connections: http1-request-head.ts readRequestHead)',
    test: (f) => f.functionName === 'readRequestHead',
  },
  {
    label:
      "read the request body through Node's parser (request-body.ts readRequestBytes; connections handed over)",
    test: (f) => f.functionName === 'readRequestBytes',
  },
  {
    label: 'parse the body and re-encode the input (parseJsonBytes, encodeJson)',
    test: (f) =>
      (f.functionName === 'parseJsonBytes' || f.functionName === 'encodeJson') && f.url.includes('engine'),
  },
  {
    label: 'decide (observed decider: decider + metrics/decision-log observer)',
    test: (f) => f.functionName === 'decide' && f.url.includes('observed-decider'),
  },
  {
    label: 'opa_eval (policy.wasm, on the serving thread)',
    test: (f) => f.functionName === 'opa_eval' && f.url.startsWith('wasm://'),
  },
  {
    label: 'write the response (the socket write system call)',
    test: (f) => ['writeUtf8String', 'writeLatin1String', 'writeBuffer', 'writev'].includes(f.functionName),
  },
  { label: 'GC', test: (f) => f.functionName === '(garbage collector)' },
]
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/** The area a frame belongs to, for the summary table. */
function areaOf(frame: CallFrame): string {
  const { functionName: name, url } = frame
  if (name === '(garbage collector)') return 'GC'
  if (name === '(program)') return 'V8 / native (program)'
  if (url.startsWith('wasm://') || name.startsWith('wasm-function') || name.startsWith('$'))
    return 'policy.wasm (opa_eval)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]
  if (pkg !== undefined) return pkg === '@open-policy-agent/opa-wasm' ? 'opa-wasm JS glue' : pkg
  const engine = /\/(?:dist\/)?(engine|sdk)\/([^/]+)\//.exec(url)
  if (engine !== null) return `clearance ${engine[1]}/${engine[2]}`
  if (/\/(?:dist\/)?engine\/[^/]+\.js$/.test(url)) return 'clearance engine/*'
  if (url.startsWith('node:internal/deps/undici')) return 'web Request/Response objects (undici)'
  if (url.startsWith('node:internal/webstreams')) return 'web streams (request body as ReadableStream)'
  if (/^node:internal\/(abort_controller|event_target|worker\/js_transferable)/.test(url))
    return 'AbortSignal / EventTarget (per Request)'
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node streams'
  if (/^node:(_http|http|internal\/http|net|internal\/net|internal\/stream_base)/.test(url))
    return 'node http / net'
  if (url.startsWith('node:')) return 'node other'
  if (url === '') return `native / builtins`
  return 'other JS'
}

function locationOf(frame: CallFrame): string {
  if (frame.url === '') return '(native)'
  const path = frame.url.startsWith('file://') ? relative(repoRoot, new URL(frame.url).pathname) : frame.url
  return `${path}:${frame.lineNumber + 1}`
}

/** Self time per function and per area, in µs, over samples inside [fromUs, toUs] (all when none fall inside). */
function selfTimes(profiles: readonly CpuProfile[], fromUs: number, toUs: number) {
  const byFunction = new Map<string, { name: string; location: string; us: number }>()
  const byArea = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busy = 0
  for (const windowed of [true, false]) {
    for (const profile of profiles) {
      const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
      const parents = new Map<number, number>()
      for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
      let at = profile.startTime
      for (let i = 0; i < profile.samples.length; i++) {
        at += profile.timeDeltas[i] ?? 0
        if (windowed && (at < fromUs || at > toUs)) continue
        const delta = profile.timeDeltas[i + 1] ?? 0
        const frame = nodes.get(profile.samples[i]!)!.callFrame
        if (frame.functionName === '(idle)') continue
        busy += delta
        const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`
        const entry = byFunction.get(key) ?? {
          name: frame.functionName || '(anonymous)',
          location: locationOf(frame),
          us: 0,
        }
        entry.us += delta
        byFunction.set(key, entry)
        const area = areaOf(frame)
        byArea.set(area, (byArea.get(area) ?? 0) + delta)
        // Inclusive time of the frames worth naming: each function once per stack.
        const seen = new Set<string>()
        for (let id: number | undefined = profile.samples[i]!; id !== undefined; id = parents.get(id)) {
          const f = nodes.get(id)!.callFrame
          const name = INCLUSIVE.find((probe) => probe.test(f))?.label
          if (name === undefined || seen.has(name)) continue
          seen.add(name)
          inclusive.set(name, (inclusive.get(name) ?? 0) + delta)
        }
      }
    }
    if (busy > 0) break
  }
  return { byFunction, byArea, inclusive, busy }
}

async function subject(): Promise<{ wasm: string; path: string; inputs: unknown[] }> {
  const name = values.policy
  if (name === 'reference') {
    const reference = await referenceBundle()
    return { wasm: reference.wasm, path: decisionPath, inputs: reference.inputs }
  }
  if (name !== 'trivial' && name !== 'rbac')
    throw new Error(`--policy ${name}: use reference, trivial or rbac`)
  const source = join(repoRoot, 'bench', 'neutral-policies', name)
  return {
    wasm: join(outDir, `neutral-${name}`, 'clearance.tar.gz'),
    path: `neutral/${name}/allow`,
    inputs: JSON.parse(await readFile(join(source, 'inputs.json'), 'utf8')) as unknown[],
  }
}

const bundle = await subject()
const profileDir = await mkdtemp(join(tmpdir(), 'clearance-cpu-prof-'))
const server = await startClearance({
  bundle: bundle.wasm,
  workers: Number(values.workers),
  serveArgs: values['serve-args'].split(' ').filter((arg) => arg !== ''),
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
})
const target = {
  url: server.url,
  path: `/v1/data/${bundle.path}`,
  bodies: bundle.inputs.map((input) => JSON.stringify({ input })),
}
let rps = 0
let fromUs = 0
let toUs = 0
try {
  await runClosedLoop(target, { connections, seconds: 2 })
  fromUs = Number(process.hrtime.bigint() / 1000n)
  rps = (await runClosedLoop(target, { connections, seconds })).rps
  toUs = Number(process.hrtime.bigint() / 1000n)
} finally {
  await server.stop(30_000)
}
// The main thread's profile only (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0): an evaluation
// thread blocks in Atomics.wait between batches, which the profiler counts as busy time.
const files = (await readdir(profileDir)).filter(
  (name) => name.endsWith('.cpuprofile') && name.split('.')[4] === '0',
)
if (files.length === 0) throw new Error(`no .cpuprofile written to ${profileDir}`)
const profiles = await Promise.all(
  files.map(async (name) => JSON.parse(await readFile(join(profileDir, name), 'utf8')) as CpuProfile),
)
const { byFunction, byArea, inclusive, busy } = selfTimes(profiles, fromUs, toUs)
const pct = (us: number): number => (100 * us) / busy
const top: ProfileEntry[] = [...byFunction.values()]
  .sort((a, b) => b.us - a.us)
  .slice(0, Number(values.top))
  .map((entry) => ({ name: entry.name, location: entry.location, selfPct: pct(entry.us) }))
const categories: ProfileEntry[] = [...byArea.entries()]
  .sort((a, b) => b[1] - a[1])
  .map(([name, us]) => ({ name, location: '', selfPct: pct(us) }))
const steps: ProfileEntry[] = INCLUSIVE.map(({ label }) => ({
  name: label,
  location: '',
  selfPct: pct(inclusive.get(label) ?? 0),
}))
steps.push({
  name: 'metrics (self time in prom-client and engine/metrics)',
  location: '',
  selfPct: pct((byArea.get('prom-client') ?? 0) + (byArea.get('clearance engine/metrics') ?? 0)),
})
const result: ProfileResult = { seconds, connections, rps, top, categories, steps }
writeJson(values.json, result)
console.log(profileMarkdown(result))
if (values.keep !== undefined) {
  const { cp } = await import('node:fs/promises')
  await cp(profileDir, values.keep, { recursive: true })
  console.log(`\nprofiles kept in ${values.keep}`)
}
await rm(profileDir, { recursive: true, force: true })
