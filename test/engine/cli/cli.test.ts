// The `clearance` command as a user runs it: build, eval, serve (with a clean exit on SIGTERM), --help and
// exit codes. Runs the compiled CLI (dist/), which the test command builds first.
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readBundleFiles } from '../../../engine/bundle/index.js'
import { CLEARANCE_BIN, runClearance, type ServeProcess, startServe } from '../../helpers/clearance-cli.js'
import { fixtureDir } from '../../helpers/fixtures.js'

describe('clearance CLI', () => {
  let dir: string
  let bundle: string
  const servers: ServeProcess[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearance-cli-'))
    bundle = join(dir, 'basic.tar.gz')
    const built = await runClearance(['build', fixtureDir('basic'), '-o', bundle, '--revision', 'cli-rev'])
    expect(built.code, built.stderr).toBe(0)
  })

  afterEach(() => {
    for (const { child } of servers.splice(0)) child.kill('SIGKILL')
  })

  it('build writes a wasm bundle whose manifest lists the annotated entrypoints and the revision', async () => {
    const files = await readBundleFiles(bundle)
    expect(files.has('/policy.wasm')).toBe(true)
    expect(files.has('/data.json')).toBe(true)
    const manifest = JSON.parse(Buffer.from(files.get('/.manifest')!).toString())
    expect(manifest.revision).toBe('cli-rev')
    expect(manifest.wasm.map((w: { entrypoint: string }) => w.entrypoint).sort()).toContain(
      'example/authz/allow',
    )
    expect(manifest.wasm.map((w: { entrypoint: string }) => w.entrypoint)).toContain('system/main')
  })

  it("build fails with exit 1 and opa's message for Rego that does not compile", async () => {
    const broken = await mkdtemp(join(tmpdir(), 'broken-'))
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(join(broken, 'p.rego'), 'package p\n\nallow if {'),
    )
    const result = await runClearance(['build', broken, '-o', join(dir, 'broken.tar.gz')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('build_error')
  })

  it('eval prints the decision for an input from stdin', async () => {
    const result = await runClearance(
      ['eval', '--bundle', bundle, '--path', 'example/authz/allow', '--input', '-'],
      '{"user":"alice"}',
    )
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout)
    expect(body.result).toBe(true)
    expect(body.provenance.bundles.basic.revision).toBe('cli-rev')
  })

  it('eval --fail exits 1 when the document is undefined', async () => {
    const result = await runClearance(['eval', '--bundle', bundle, '--path', 'nothing/here', '--fail'])
    expect(result.code).toBe(1)
  })

  it('prints help for each command and exits 0', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['build', '--help'], ['eval', '--help']]) {
      const result = await runClearance(args)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain('Usage: clearance')
    }
  })

  it('exits 2 on a usage error', async () => {
    expect((await runClearance(['serve'])).code).toBe(2)
    expect((await runClearance(['serve', '--bundle', bundle, '--addr', 'nope'])).code).toBe(2)
  })

  it('exits 1 when a bundle cannot be loaded at start-up', async () => {
    const result = await runClearance([
      'serve',
      '--bundle',
      join(dir, 'missing.tar.gz'),
      '--addr',
      '127.0.0.1:0',
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('bundle_error')
  })

  it('serve answers over HTTP, logs JSON and exits 0 on SIGTERM', async () => {
    const server = await startServe(['--bundle', bundle])
    servers.push(server)
    const res = await fetch(`${server.url}/v1/data/example/authz/allow`, {
      method: 'POST',
      body: '{"input":{"user":"alice"}}',
    })
    expect((await res.json()).result).toBe(true)
    expect(await server.stop()).toBe(0)
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.some((line) => line.msg === 'shutting down')).toBe(true)
  })
})

describe('clearance serve --workers', () => {
  it('serves from two worker processes on one port, reports metrics for both, and stops them all on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearance-workers-'))
    const bundle = join(dir, 'basic.tar.gz')
    expect((await runClearance(['build', fixtureDir('basic'), '-o', bundle, '--revision', 'w'])).code).toBe(0)
    const port = 20000 + Math.floor(Math.random() * 20000)
    const child = spawn(
      'node',
      [CLEARANCE_BIN, 'serve', '--bundle', bundle, '--addr', `127.0.0.1:${port}`, '--workers', '2'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    const deadline = Date.now() + 30_000
    let listening = 0
    while (listening < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      listening = (out.match(/"msg":"server listening"/g) ?? []).length
    }
    expect(listening).toBe(2)
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/data/example/authz/allow`, {
        method: 'POST',
        body: '{"input":{"user":"alice"}}',
        headers: { connection: 'close' },
      })
      expect((await res.json()).result).toBe(true)
    }
    // Whichever worker takes the scrape answers for both: the 20 decisions were shared between them.
    const metrics = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } })
    ).text()
    const decided = metrics.match(/^clearance_decisions_total\{outcome="allow"\} (\d+)$/m)
    expect(decided?.[1]).toBe('20')
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)
})
