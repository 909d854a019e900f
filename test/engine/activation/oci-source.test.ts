import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createOciRegistryClient,
  type OciRegistryClient,
  parseOciReference,
  pushBundle,
} from '../../../engine/net/index.js'
import { type FakeRegistry, startFakeRegistry } from '../../helpers/fake-registry.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { hasRegistry, type RegistryProcess, startRegistry } from '../../helpers/oci-registry.js'
import { eventually, type Files, readArchive, reloadVersion } from './support/bundle-kit.js'
import { freshDir, type Managed, managerFor, reloadVersionOf } from './support/manager-kit.js'
import { createManualClock, type ManualClock } from './support/manual-clock.js'

const POLLING = { minDelayMs: 60_000, maxDelayMs: 120_000 }

describe('OCI bundle source', () => {
  let base: Files
  const running: Managed[] = []
  let client: OciRegistryClient

  const managed = (
    reference: string,
    clock: ManualClock,
    spec: Record<string, unknown> = {},
    options: Record<string, unknown> = {},
  ): Managed => {
    const result = managerFor({
      specs: [{ name: 'reload', url: reference, polling: POLLING, timeoutMs: 2000, ...spec } as never],
      clock,
      random: () => 1,
      ...options,
    })
    running.push(result)
    return result
  }

  const nextPoll = async (clock: ManualClock, target: Managed): Promise<void> => {
    const before = target.manager.status().bundles.reload?.last_request
    await clock.advance(POLLING.maxDelayMs)
    await eventually(() => target.manager.status().bundles.reload?.last_request !== before, 5000, 'the poll')
    await eventually(() => clock.pending() > 0, 5000, 'the next poll to be scheduled')
  }

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
    client = createOciRegistryClient({})
  })
  afterAll(() => client.close())
  afterEach(async () => {
    for (const { manager } of running.splice(0)) await manager.stop()
  })

  describe('against a real registry (docker-registry)', () => {
    let registry: RegistryProcess
    beforeAll(async () => {
      if (hasRegistry()) registry = await startRegistry()
    })
    afterAll(async () => {
      await registry?.stop()
    })

    it.skipIf(!hasRegistry())(
      'activates a pushed bundle and picks up the next push by manifest digest',
      async () => {
        const location = `oci://${registry.host}/policies/reload:live`
        const ref = parseOciReference(location)
        const first = await pushBundle(client, ref, reloadVersion(base, 1))
        const clock = createManualClock()
        const target = managed(location, clock)
        await target.manager.start()
        expect(reloadVersionOf(target.registry.current())).toBe('1')
        const set = target.registry.current()

        await nextPoll(clock, target)
        expect(target.registry.current()).toBe(set)
        expect(target.manager.status().bundles.reload?.message).toBeUndefined()

        const second = await pushBundle(client, ref, reloadVersion(base, 2))
        expect(second.digest).not.toBe(first.digest)
        await nextPoll(clock, target)
        expect(reloadVersionOf(target.registry.current())).toBe('2')
        expect(target.manager.status().sources.reload).toEqual({ kind: 'url', state: 'ok' })
      },
    )

    it.skipIf(!hasRegistry())(
      'pulls by digest, and serves the persisted bundle after a restart without the registry',
      async () => {
        const ref = parseOciReference(`oci://${registry.host}/policies/reload:pinned`)
        const pushed = await pushBundle(client, ref, reloadVersion(base, 3))
        const location = `oci://${registry.host}/policies/reload@${pushed.digest}`
        const persistDir = await freshDir('oci-persist')
        const first = managed(location, createManualClock(), {}, { persistDir })
        await first.manager.start()
        expect(reloadVersionOf(first.registry.current())).toBe('3')
        await first.manager.stop()

        const gone = `oci://127.0.0.1:9/policies/reload@${pushed.digest}`
        const second = managed(gone, createManualClock(), { timeoutMs: 500 }, { persistDir })
        // the persisted bundle is stored under the bundle's name, whichever reference it came from
        await second.manager.start()
        expect(reloadVersionOf(second.registry.current())).toBe('3')
        expect(second.manager.status().bundles.reload?.message).toMatch(/request failed/)
      },
    )
  })

  describe('refusing bad registry answers, the last good bundle serving', () => {
    let registry: FakeRegistry
    let target: Managed
    let clock: ManualClock
    const repository = 'policies/reload'

    const refusedWith = async (pattern: RegExp): Promise<void> => {
      await nextPoll(clock, target)
      const status = target.manager.status()
      expect(status.bundles.reload?.code).toBe('bundle_error')
      expect(status.bundles.reload?.message).toMatch(pattern)
      expect(status.sources.reload?.state).toBe('error')
      expect(reloadVersionOf(target.registry.current())).toBe('1')
    }

    beforeAll(async () => {
      registry = await startFakeRegistry()
    })
    afterAll(async () => {
      await registry.close()
    })

    const start = async (tag: string, spec: Record<string, unknown> = {}): Promise<OciReferenceParts> => {
      const location = `oci://${registry.host}/${repository}:${tag}`
      const ref = parseOciReference(location)
      await pushBundle(client, ref, reloadVersion(base, 1))
      clock = createManualClock()
      target = managed(location, clock, spec)
      await target.manager.start()
      expect(reloadVersionOf(target.registry.current())).toBe('1')
      return { ref, tag }
    }
    type OciReferenceParts = { ref: ReturnType<typeof parseOciReference>; tag: string }

    it('a tag that is gone (404)', async () => {
      await start('gone')
      registry.removeTag(repository, 'gone')
      await refusedWith(/registry answered 404 Not Found \(no such tag or digest\)/)
    })

    it('a manifest of another media type', async () => {
      await start('docker')
      const docker = {
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: `sha256:${'0'.repeat(64)}`,
          size: 2,
        },
        layers: [],
      }
      registry.putManifest(repository, 'docker', Buffer.from(JSON.stringify(docker)), docker.mediaType)
      await refusedWith(/media type is "application\/vnd\.docker\.distribution\.manifest\.v2\+json"/)
    })

    it('a layer of another media type', async () => {
      const { ref } = await start('layer-type')
      const layer = registry.putBlob(reloadVersion(base, 2))
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: registry.putBlob(Buffer.from('{}')),
          size: 2,
        },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 10 }],
      }
      registry.putManifest(
        ref.repository,
        'layer-type',
        Buffer.from(JSON.stringify(manifest)),
        manifest.mediaType,
      )
      await refusedWith(/has 0 layers of media type application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/)
    })

    it('a layer whose bytes do not match its digest', async () => {
      const { ref } = await start('corrupt')
      await pushBundle(client, ref, reloadVersion(base, 2))
      registry.faults.corruptBlobs = true
      try {
        await refusedWith(/layer digest mismatch/)
      } finally {
        registry.faults.corruptBlobs = false
      }
    })

    it('a layer larger than the bundle limit, refused before it is downloaded', async () => {
      const { ref } = await start('huge', { maxDownloadBytes: 200_000 })
      const layer = registry.putBlob(reloadVersion(base, 2))
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: registry.putBlob(Buffer.from('{}')),
          size: 2,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 5_000_000 },
        ],
      }
      registry.putManifest(ref.repository, 'huge', Buffer.from(JSON.stringify(manifest)), manifest.mediaType)
      const blobGets = (): number => registry.requests.filter((r) => r.url.includes('/blobs/')).length
      const before = blobGets()
      await refusedWith(/5000000 bytes, over the 200000-byte bundle limit/)
      expect(blobGets()).toBe(before)
    })

    it('a registry that hangs', async () => {
      await start('hang', { timeoutMs: 300 })
      registry.faults.hang = true
      try {
        await refusedWith(/no answer within 300 ms/)
      } finally {
        registry.faults.hang = false
      }
    })

    it('polls with one manifest request while nothing changes', async () => {
      await start('steady')
      const before = registry.requests.length
      await nextPoll(clock, target)
      await nextPoll(clock, target)
      expect(registry.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([
        `GET /v2/${repository}/manifests/steady`,
        `GET /v2/${repository}/manifests/steady`,
      ])
    })
  })
})
