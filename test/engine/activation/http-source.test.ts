import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture } from '../../helpers/fixtures.js'
import { createAuthority, issueLoopbackServer } from '../../helpers/pki.js'
import { corruptions, eventually, type Files, readArchive, reloadVersion } from './support/bundle-kit.js'
import { type BundleServer, startBundleServer } from './support/bundle-server.js'
import { freshDir, type Managed, managerFor, reloadVersionOf } from './support/manager-kit.js'
import { createManualClock, type ManualClock } from './support/manual-clock.js'

const POLLING = { minDelayMs: 60_000, maxDelayMs: 120_000 }

describe('remote bundle source', () => {
  let base: Files
  let server: BundleServer
  const running: Managed[] = []

  const remote = (
    clock: ManualClock,
    overrides: Partial<Parameters<typeof managerFor>[0]['specs'][number]> & Record<string, unknown> = {},
    options: Partial<Parameters<typeof managerFor>[0]> = {},
  ): Managed => {
    const managed = managerFor({
      specs: [{ name: 'reload', url: server.url, polling: POLLING, timeoutMs: 2000, ...overrides } as never],
      clock,
      random: () => 1,
      ...options,
    })
    running.push(managed)
    return managed
  }

  /** Fires the next scheduled poll and waits until the server has seen it and the source has handled it. */
  const nextPoll = async (clock: ManualClock, managed: Managed): Promise<void> => {
    const seen = server.requests.length
    const before = managed.manager.status().bundles.reload?.last_request
    await clock.advance(POLLING.maxDelayMs)
    await eventually(() => server.requests.length > seen, 5000, 'the next request')
    await eventually(() => managed.manager.status().bundles.reload?.last_request !== before, 5000, 'the poll')
    await eventually(() => clock.pending() > 0, 5000, 'the poll after it to be scheduled')
  }

  beforeAll(async () => {
    base = await readArchive(await buildFixture('reload'))
  })

  afterEach(async () => {
    for (const { manager } of running.splice(0)) await manager.stop()
    await server?.close()
  })

  it('sends If-None-Match, honours 304, and picks up a changed bundle within one poll', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    const clock = createManualClock()
    const managed = remote(clock)
    await managed.manager.start()
    expect(reloadVersionOf(managed.registry.current())).toBe('1')
    expect(server.requests[0]?.['if-none-match']).toBeUndefined()
    const firstSet = managed.registry.current()

    await nextPoll(clock, managed)
    expect(server.requests[1]?.['if-none-match']).toBe('"e1"')
    expect(managed.registry.current()).toBe(firstSet)
    const status = managed.manager.status().bundles.reload!
    expect(status.last_successful_request).toBe(new Date(clock.now()).toISOString())
    expect(status.last_successful_download).not.toBe(status.last_successful_request)

    server.serve(reloadVersion(base, 2), '"e2"')
    await nextPoll(clock, managed)
    expect(reloadVersionOf(managed.registry.current())).toBe('2')
    expect(managed.manager.status().bundles.reload?.active_revision).toBe('v2')
    expect(managed.manager.status().sources.reload).toEqual({ kind: 'url', state: 'ok' })
  })

  it('keeps the last good bundle through an outage and reports it; a restart serves the persisted bundle', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    const persistDir = await freshDir('persist')
    const clock = createManualClock()
    const first = remote(clock, {}, { persistDir })
    await first.manager.start()

    server.fail(503)
    await nextPoll(clock, first)
    expect(reloadVersionOf(first.registry.current())).toBe('1')
    expect(first.manager.status().bundles.reload).toMatchObject({
      active_revision: 'v1',
      code: 'bundle_error',
      message: 'server replied with Service Unavailable',
      http_code: 503,
    })
    expect(first.manager.status().sources.reload?.state).toBe('error')
    expect(first.manager.ready()).toBe(true)

    await server.close()
    await first.manager.stop()

    const restarted = remote(createManualClock(), {}, { persistDir })
    await restarted.manager.start()
    expect(reloadVersionOf(restarted.registry.current())).toBe('1')
    expect(restarted.manager.ready()).toBe(true)
    expect(restarted.manager.status().bundles.reload?.message).toMatch(/request failed: .*ECONNREFUSED/)
  })

  it('asks with the persisted ETag after a restart, so an unchanged server answers 304', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 4), '"e4"')
    const persistDir = await freshDir('persist-etag')
    const first = remote(createManualClock(), {}, { persistDir })
    await first.manager.start()
    await first.manager.stop()
    const again = remote(createManualClock(), {}, { persistDir })
    await again.manager.start()
    expect(server.requests.at(-1)?.['if-none-match']).toBe('"e4"')
    expect(reloadVersionOf(again.registry.current())).toBe('4')
  })

  it('keeps the last good bundle when the download is corrupted, and fetches it whole on the next poll', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    const clock = createManualClock()
    const managed = remote(clock)
    await managed.manager.start()
    server.serve(corruptions.truncated(reloadVersion(base, 2)), '"e2-broken"')
    await nextPoll(clock, managed)
    expect(reloadVersionOf(managed.registry.current())).toBe('1')
    expect(managed.manager.status().bundles.reload?.code).toBe('bundle_error')
    // The broken bundle's ETag is not remembered: the retry asks with the active bundle's.
    await clock.advance(0)
    await eventually(() => server.requests.length >= 3, 5000, 'the retry')
    expect(server.requests[2]?.['if-none-match']).toBe('"e1"')
  })

  it('sends a bearer token, and reports the server refusing a wrong one', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    server.requireAuthorization('Bearer s3cret')
    const good = remote(createManualClock(), { credentials: { bearerToken: 's3cret' } })
    await good.manager.start()
    expect(reloadVersionOf(good.registry.current())).toBe('1')

    const bad = remote(createManualClock(), { credentials: { bearerToken: 'guess' } })
    await bad.manager.start()
    expect(bad.manager.ready()).toBe(false)
    expect(bad.manager.status().bundles.reload).toMatchObject({ http_code: 401 })
    expect(bad.manager.notReadyReason()).toContain('no bundle from "reload" has been activated')
  })

  it('refuses a download over the size limit', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    const managed = remote(createManualClock(), { maxDownloadBytes: 1000 })
    await managed.manager.start()
    expect(managed.registry.current()).toBeUndefined()
    expect(managed.manager.status().bundles.reload?.message).toContain('over the 1000-byte limit')
  })

  it('gives up on a server that does not answer within the timeout', async () => {
    server = await startBundleServer()
    server.hang(true)
    const managed = remote(createManualClock(), { timeoutMs: 200 })
    await managed.manager.start()
    expect(managed.manager.status().bundles.reload?.message).toContain('timed out after 200 ms')
  })

  it('fails decisions closed once the bundle has not been confirmed for longer than max_age', async () => {
    server = await startBundleServer()
    server.serve(reloadVersion(base, 1), '"e1"')
    const clock = createManualClock()
    const managed = remote(clock, { maxAgeMs: 150_000 })
    await managed.manager.start()
    server.fail(500)
    await nextPoll(clock, managed)
    expect(managed.manager.staleReason()).toBeUndefined()
    await clock.advance(40_000)
    expect(managed.manager.staleBundles()).toEqual(['reload'])
    expect(managed.manager.staleReason()).toContain('max_age of 150000 ms')
    server.fail(undefined)
    await nextPoll(clock, managed)
    expect(managed.manager.staleReason()).toBeUndefined()
  })

  it('authenticates with a client certificate over TLS', async () => {
    const ca = await createAuthority('test-ca')
    const serverCert = await issueLoopbackServer(ca)
    const client = await ca.issue('client', { extendedKeyUsage: 'clientAuth' })
    server = await startBundleServer({
      key: serverCert.key,
      cert: serverCert.cert,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    })
    server.serve(reloadVersion(base, 1), '"e1"')
    const credentials = {
      caCertificate: ca.cert,
      clientCertificate: { cert: client.cert, key: client.key },
    }
    const managed = remote(createManualClock(), { credentials })
    await managed.manager.start()
    expect(reloadVersionOf(managed.registry.current())).toBe('1')

    const anonymous = remote(createManualClock(), {
      credentials: { caCertificate: credentials.caCertificate },
    })
    await anonymous.manager.start()
    expect(anonymous.manager.status().bundles.reload?.message).toContain('request failed')
  })
})
