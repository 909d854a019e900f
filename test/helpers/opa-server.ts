// `opa run --server` on 127.0.0.1 and a free port, serving a Rego folder as a bundle: the reference the parity
// tests compare Clearance with.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { resolveOpaBinary } from '../../engine/build/opa-binary.js'

export interface OpaServer {
  url: string
  stop(): Promise<void>
}

function freePort(): Promise<number> {
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

export async function startOpaServer(bundleDir: string): Promise<OpaServer> {
  const opa = await resolveOpaBinary()
  const port = await freePort()
  const child: ChildProcess = spawn(
    opa,
    [
      'run',
      '--server',
      '--addr',
      `127.0.0.1:${port}`,
      '--log-level',
      'error',
      '--skip-version-check',
      '--bundle',
      bundleDir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('opa run --server did not start')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('close', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
