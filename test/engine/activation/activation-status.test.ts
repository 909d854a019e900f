import { describe, expect, it } from 'vitest'
import { createActivationStatus } from '../../../engine/activation/activation-status.js'
import { ClearanceError } from '../../../engine/errors.js'
import { createManualClock } from './support/manual-clock.js'

const NEVER = '0001-01-01T00:00:00Z'

describe('activation status', () => {
  it("reports a bundle in OPA's status shape, Go's zero time for what never happened", () => {
    const clock = createManualClock()
    const status = createActivationStatus({ clock })
    status.track('authz', { confirmRequired: false })
    expect(status.report()).toEqual({
      authz: {
        name: 'authz',
        last_successful_activation: NEVER,
        type: 'snapshot',
        last_successful_download: NEVER,
        last_successful_request: NEVER,
        last_request: NEVER,
      },
    })
    status.requested('authz')
    status.requestSucceeded('authz')
    status.downloaded('authz', 2048)
    status.activated('authz', { revision: 'r1', size: 2048, metrics: { timer_rego_load_bundles_ns: 5 } })
    const at = new Date(clock.now()).toISOString()
    expect(status.report().authz).toEqual({
      name: 'authz',
      active_revision: 'r1',
      last_successful_activation: at,
      type: 'snapshot',
      size: 2048,
      last_successful_download: at,
      last_successful_request: at,
      last_request: at,
      metrics: { timer_rego_load_bundles_ns: 5 },
    })
  })

  it('records why the latest attempt failed while the active revision stays', () => {
    const status = createActivationStatus({ clock: createManualClock() })
    status.track('authz', { confirmRequired: true })
    status.activated('authz', { revision: 'r1' })
    status.failed('authz', new ClearanceError('bundle_error', 'server replied with Forbidden'), {
      httpCode: 403,
    })
    expect(status.report().authz).toMatchObject({
      active_revision: 'r1',
      code: 'bundle_error',
      message: 'server replied with Forbidden',
      http_code: 403,
    })
    status.confirmed('authz')
    expect(status.report().authz?.code).toBeUndefined()
  })

  it('marks a polled bundle stale once it has not been confirmed for longer than its max age', async () => {
    const clock = createManualClock()
    const status = createActivationStatus({ clock })
    status.track('remote', { confirmRequired: true, maxAgeMs: 60_000 })
    status.activated('remote', { revision: 'r1' })
    await clock.advance(30_000)
    status.confirmed('remote')
    await clock.advance(59_000)
    expect(status.staleReason()).toBeUndefined()
    status.failed('remote', new Error('request failed: connect ECONNREFUSED'))
    await clock.advance(2_000)
    expect(status.stale()).toEqual(['remote'])
    expect(status.staleReason()).toMatch(/bundle "remote" revision "r1" .*max_age of 60000 ms.*ECONNREFUSED/)
    status.confirmed('remote')
    expect(status.staleReason()).toBeUndefined()
  })

  it('counts a watched bundle current until an update to it fails, then starts its max age', async () => {
    const clock = createManualClock()
    const status = createActivationStatus({ clock })
    status.track('local', { confirmRequired: false, maxAgeMs: 1_000 })
    status.activated('local', { revision: 'r1' })
    await clock.advance(10_000)
    expect(status.stale()).toEqual([])
    status.failed('local', new Error('bundle archive is not gzip-compressed'))
    await clock.advance(999)
    expect(status.stale()).toEqual([])
    status.failed('local', new Error('still broken'))
    await clock.advance(2)
    expect(status.stale()).toEqual(['local'])
    status.activated('local', { revision: 'r2' })
    expect(status.stale()).toEqual([])
  })

  it('has no max age unless one is configured', async () => {
    const clock = createManualClock()
    const status = createActivationStatus({ clock })
    status.track('remote', { confirmRequired: true })
    status.activated('remote', { revision: 'r1' })
    await clock.advance(365 * 24 * 3600 * 1000)
    expect(status.staleReason()).toBeUndefined()
  })
})
