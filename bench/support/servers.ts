// Server processes under test, on 127.0.0.1 only: `clearance serve` (one process, or N workers with node:cluster)
// and `opa run --server`, each started on a free port and handed back once it answers, with the resident memory of
// its process tree read from /proc.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { repoRoot } from './bundles.js'

export interface ServerProcess {
  name: string
  url: string
  pid: number
  /** Resident and peak resident memory of the process and its descendants, in MiB. */
  memory(): { rssMiB: number; peakMiB: number }
  /** CPU time (user + system) the process and its descendants have used so far, in ms. */
  cpuMs(): number
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<string>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

function statusKiB(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? 0 : Number(match[1])
  } catch {
    return 0
  }
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name may hold spaces and parentheses; fields resume after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(entry))
      children.set(ppid, list)
    } catch {
      // the process went away while we looked
    }
  }
  const all: number[] = []
  const walk = (p: number): void => {
    for (const child of children.get(p) ?? []) {
      all.push(child)
      walk(child)
    }
  }
  walk(pid)
  return all
}

let ticksPerSecond: number | undefined
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** User + system CPU time of `pid` and its descendants, in ms (descendants that already exited are not counted). */
export function treeCpuMs(pid: number): number {
  let ticks = 0
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the command name
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / clockTicks()
}

/** Resident memory of `pid` and its descendants; `onlyNode` leaves out helpers such as tsx's esbuild service. */
export function treeMemory(pid: number, onlyNode = false): { rssMiB: number; peakMiB: number } {
  let rss = 0
  let peak = 0
  for (const p of [pid, ...descendants(pid)]) {
    if (onlyNode && p !== pid) {
      try {
        if (!readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('node')) continue
      } catch {
        continue
      }
    }
    rss += statusKiB(p, 'VmRSS')
    peak += statusKiB(p, 'VmHWM')
  }
  return { rssMiB: rss / 1024, peakMiB: peak / 1024 }
}

function stopper(child: ChildProcess): (graceMs?: number) => Promise<string> {
  return (graceMs = 10_000) =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve(String(child.exitCode ?? child.signalCode))
        return
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        resolve(String(code ?? signal))
      })
      child.kill('SIGTERM')
    })
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`)
    }
    try {
      const res = await fetch(`${url}/health?bundles`)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} not ready after ${timeoutMs} ms:\n${log()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

let cliHasWorkers: boolean | undefined
/** Whether `clearance serve` has the --workers flag yet (engine/cli.ts wiring of engine/cluster.ts). */
function cliSupportsWorkers(): boolean {
  cliHasWorkers ??= execFileSync(
    process.execPath,
    [join(repoRoot, 'bin', 'clearance.js'), 'serve', '--help'],
    {
      encoding: 'utf8',
    },
  ).includes('--workers')
  return cliHasWorkers
}

export interface ClearanceServerOptions {
  bundle: string
  /** Worker processes (node:cluster); 1 runs the plain single-process server. */
  workers?: number
  /** Node flags for the server process (e.g. --cpu-prof). */
  nodeArgs?: readonly string[]
  timeoutMs?: number
  /** Extra `clearance serve` flags, e.g. ['--eval-timeout-ms', '0']. */
  serveArgs?: readonly string[]
  /** Name in the results; default "clearance" or "clearance ×N". */
  name?: string
  /** Checkout whose built `bin/clearance.js` serves (default: this one), e.g. an earlier commit to compare with. */
  root?: string
  /** The `clearance` entry to run, when not `root`'s bin/clearance.js: another build, for a before/after. */
  bin?: string
}

export async function startClearance(options: ClearanceServerOptions): Promise<ServerProcess> {
  const workers = options.workers ?? 1
  const root = options.root ?? repoRoot
  const port = await freePort()
  const serveArgs = [
    '--bundle',
    options.bundle,
    '--addr',
    `127.0.0.1:${port}`,
    '--log-level',
    'info',
    ...(options.serveArgs ?? []),
  ]
  let args: string[]
  let viaTsx = false
  if (workers === 1) {
    args = [options.bin ?? join(root, 'bin', 'clearance.js'), 'serve', ...serveArgs]
  } else if (cliSupportsWorkers()) {
    args = [join(root, 'bin', 'clearance.js'), 'serve', ...serveArgs, '--workers', String(workers)]
  } else {
    viaTsx = true
    args = [
      '--import',
      'tsx',
      join(repoRoot, 'bench', 'support', 'cluster-serve.ts'),
      ...serveArgs,
      '--workers',
      String(workers),
    ]
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  let listening = 0
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    output = (output + text).slice(-20_000)
    listening += text.split('"msg":"server listening"').length - 1
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  })
  const url = `http://127.0.0.1:${port}`
  const timeoutMs = options.timeoutMs ?? 120_000
  await waitForHealth(url, child, timeoutMs, () => output)
  const deadline = Date.now() + timeoutMs
  while (listening < workers) {
    if (Date.now() > deadline) throw new Error(`only ${listening} of ${workers} workers listen:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    name: options.name ?? (workers === 1 ? 'clearance' : `clearance ×${workers}`),
    url,
    pid: child.pid!,
    memory: () => treeMemory(child.pid!, viaTsx),
    cpuMs: () => treeCpuMs(child.pid!),
    stop: stopper(child),
  }
}

export interface OpaServerOptions {
  opa: string
  bundle: string
  timeoutMs?: number
  /** GOMAXPROCS for the opa process (default: Go's, every core). */
  maxProcs?: number
}

export async function startOpa(options: OpaServerOptions): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(
    options.opa,
    [
      'run',
      '--server',
      '--addr',
      `127.0.0.1:${port}`,
      '--log-level',
      'error',
      '--skip-version-check',
      '--bundle',
      options.bundle,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env:
        options.maxProcs === undefined
          ? process.env
          : { ...process.env, GOMAXPROCS: String(options.maxProcs) },
    },
  )
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  await waitForHealth(url, child, options.timeoutMs ?? 300_000, () => output)
  return {
    name: options.maxProcs === undefined ? 'opa' : `opa (GOMAXPROCS=${options.maxProcs})`,
    url,
    pid: child.pid!,
    memory: () => treeMemory(child.pid!),
    cpuMs: () => treeCpuMs(child.pid!),
    stop: stopper(child),
  }
}

/** The bare hono stack of bench/support/http-floor-server.ts, reading bodies the given way. */
export async function startHttpFloor(mode: 'request' | 'incoming'): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'support', 'http-floor-server.ts'), mode, String(port)],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  })
  const url = `http://127.0.0.1:${port}`
  await waitForHealth(url, child, 60_000, () => output)
  return {
    name:
      mode === 'request'
        ? 'control: bare hono, body via c.req.arrayBuffer()'
        : 'control: bare hono, body via c.env.incoming',
    url,
    pid: child.pid!,
    memory: () => treeMemory(child.pid!, true),
    cpuMs: () => treeCpuMs(child.pid!),
    stop: stopper(child),
  }
}

/** The HTTP floor: a bare node:http server that reads the body and answers a constant (no framework). */
export async function startNodeHttpFloor(): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'support', 'node-http-floor-server.ts'), String(port)],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  })
  const url = `http://127.0.0.1:${port}`
  await waitForHealth(url, child, 60_000, () => output)
  return {
    name: 'floor: bare node:http, body read, constant answer',
    url,
    pid: child.pid!,
    memory: () => treeMemory(child.pid!, true),
    cpuMs: () => treeCpuMs(child.pid!),
    stop: stopper(child),
  }
}
