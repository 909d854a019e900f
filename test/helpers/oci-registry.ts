// A real OCI registry for tests: Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, storing
// into a temporary folder, stopped by stop(). Skipped by the caller when the binary is missing.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const REGISTRY_BIN = '/usr/bin/docker-registry'
export const hasRegistry = (): boolean => existsSync(REGISTRY_BIN)

export interface RegistryProcess {
  /** host:port, as an oci:// reference names it. */
  host: string
  child: ChildProcess
  /** The registry's access log (stderr), for counting requests. */
  log(): string
  stop(): Promise<void>
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

export async function startRegistry(): Promise<RegistryProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'clearance-registry-'))
  const port = await freePort()
  const config = join(dir, 'config.yml')
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  )
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const until = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited:\n${output}`)
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (response) => response.status === 200,
      () => false,
    )
    if (ok) break
    if (Date.now() > until) throw new Error(`docker-registry did not answer:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    host: `127.0.0.1:${port}`,
    child,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
