// `clearance serve --workers 2` with a bundle from an OCI registry: one poller for both workers, both on the same
// revision, and status and readiness that answer for every worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createOciRegistryClient,
  type OciRegistryClient,
  parseOciReference,
  pushBundle,
} from '../../../engine/net/index.js'
import { type ServeProcess, startServe } from '../../helpers/clearance-cli.js'
import { type FakeRegistry, startFakeRegistry } from '../../helpers/fake-registry.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { type Files, readArchive, reloadVersion } from '../activation/support/bundle-kit.js'

interface WorkerState {
  index: number
  pid: number
  ready: boolean
  revisions: Record<string, string>
}

describe('bundles under --workers', () => {
  let base: Files
  let registry: FakeRegistry
  let client: OciRegistryClient
  let serve: ServeProcess
  const location = (): string => `oci://${registry.host}/policies/reload:live`

  const workers = async (): Promise<WorkerState[]> => {
    const body = (await (await fetch(`${serve.url}/v1/status`)).json()) as {
      result: { workers: WorkerState[] }
    }
    return body.result.workers
  }
  const manifestGets = (): number =>
    registry.requests.filter((request) => request.method === 'GET' && request.url.includes('/manifests/'))
      .length

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
    registry = await startFakeRegistry()
    client = createOciRegistryClient({})
    await pushBundle(client, parseOciReference(location()), reloadVersion(base, 1))
    serve = await startServe([
      '--bundle',
      `reload=${location()}`,
      '--polling-min-delay',
      '1',
      '--polling-max-delay',
      '1',
      '--no-input-schema',
      '--eval-timeout-ms',
      '0',
      '--workers',
      '2',
    ])
  })

  afterAll(async () => {
    await serve?.stop()
    client?.close()
    await registry?.close()
  })

  it('reports every worker in /v1/status, all on the revision the one poller fetched', {
    timeout: 60_000,
  }, async () => {
    await expect.poll(async () => (await workers()).length, { timeout: 20_000 }).toBe(2)
    expect((await workers()).map((worker) => worker.revisions.reload)).toEqual(['v1', 'v1'])
    expect((await fetch(`${serve.url}/health?bundles`)).status).toBe(200)

    const before = manifestGets()
    await new Promise((resolve) => setTimeout(resolve, 4000))
    // one poller at a 1 s interval: about 4 manifest reads in 4 s; a poller per worker would make about 8
    expect(manifestGets() - before).toBeLessThanOrEqual(6)
    expect(manifestGets() - before).toBeGreaterThanOrEqual(2)

    await pushBundle(client, parseOciReference(location()), reloadVersion(base, 2))
    await expect
      .poll(async () => (await workers()).map((worker) => worker.revisions.reload), { timeout: 20_000 })
      .toEqual(['v2', 'v2'])
  })

  it('is not ready while a worker is down, and ready again once its replacement has the bundle', {
    timeout: 60_000,
  }, async () => {
    const [, second] = await workers()
    process.kill(second!.pid, 'SIGKILL')
    await expect
      .poll(async () => (await fetch(`${serve.url}/health?bundles`)).status, {
        timeout: 10_000,
        interval: 20,
      })
      .toBe(500)
    await expect
      .poll(
        async () => {
          const states = await workers()
          return states.length === 2 && states.every((state) => state.ready) && states[1]!.pid !== second!.pid
        },
        { timeout: 30_000 },
      )
      .toBe(true)
    expect((await workers()).map((worker) => worker.revisions.reload)).toEqual(['v2', 'v2'])
    expect((await fetch(`${serve.url}/health?bundles`)).status).toBe(200)
  })
})
