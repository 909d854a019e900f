import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runClearance } from '../../helpers/clearance-cli.js'
import { buildFixture, tempDir } from '../../helpers/fixtures.js'
import { hasRegistry, type RegistryProcess, startRegistry } from '../../helpers/oci-registry.js'

describe.skipIf(!hasRegistry())('clearance push', () => {
  let registry: RegistryProcess
  let bundle: string

  beforeAll(async () => {
    registry = await startRegistry()
    bundle = await buildFixture('basic')
  })
  afterAll(async () => {
    await registry?.stop()
  })

  it('publishes a bundle that OPA-layout readers find under the tag, and the same digest on a second push', async () => {
    const target = `oci://${registry.host}/policies/basic:v1`
    const first = await runClearance(['push', bundle, target])
    expect(first.code).toBe(0)
    const { digest } = JSON.parse(first.stdout) as { digest: string }
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    const second = await runClearance(['push', bundle, target])
    expect(JSON.parse(second.stdout).digest).toBe(digest)

    const response = await fetch(`http://${registry.host}/v2/policies/basic/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
    expect(response.headers.get('docker-content-digest')).toBe(digest)
    const manifest = (await response.json()) as { layers: Array<{ mediaType: string }> }
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar+gzip',
    ])
  })

  it('refuses a file that is not a bundle, before contacting the registry', async () => {
    const junk = join(await tempDir(), 'junk.tar.gz')
    await writeFile(junk, 'not a bundle')
    const result = await runClearance(['push', junk, `oci://${registry.host}/policies/junk:v1`])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('"code":"bundle_error"')
    expect(registry.log()).not.toContain('/v2/policies/junk/')
  })

  it('refuses a digest as the target', async () => {
    const result = await runClearance([
      'push',
      bundle,
      `oci://${registry.host}/policies/basic@sha256:${'a'.repeat(64)}`,
    ])
    expect(result.code).toBe(2)
  })
})
