import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../engine/metrics/metrics.js'

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const ACTIVATED = {
  active_revision: 'rev-1',
  last_successful_activation: '2025-06-01T12:00:00.000Z',
  last_successful_download: '2025-06-01T11:59:59.000Z',
  last_successful_request: '2025-06-01T11:59:59.000Z',
  last_request: '2025-06-01T11:59:59.000Z',
  metrics: { timer_rego_load_bundles_ns: 3_000_000, timer_bundle_activate_ns: 1000 },
}

describe("OPA's bundle metrics", () => {
  it('counts loads and failures under OPA names and labels', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.bundleActivated('authz')
    metrics.bundleFailed('authz', 'bundle_error', 'signature does not verify')
    const { body } = await metrics.render()
    expect(sample(body, 'bundle_loaded_counter{name="authz"}')).toBe(1)
    expect(
      sample(
        body,
        'bundle_failed_load_counter{name="authz",code="bundle_error",message="signature does not verify"}',
      ),
    ).toBe(1)
  })

  it('reads the last_* gauges from the bundle status in Unix nanoseconds, Go zero time for never', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.watchBundleStatus(() => ({
      authz: ACTIVATED,
      remote: {
        last_successful_activation: '0001-01-01T00:00:00Z',
        last_successful_download: '0001-01-01T00:00:00Z',
        last_successful_request: '0001-01-01T00:00:00Z',
        last_request: '2025-06-01T11:59:59.000Z',
      },
    }))
    const { body } = await metrics.render()
    expect(sample(body, 'last_success_bundle_activation{name="authz",active_revision="rev-1"}')).toBe(
      Date.parse(ACTIVATED.last_successful_activation) * 1e6,
    )
    expect(sample(body, 'last_success_bundle_download{name="authz"}')).toBe(
      Date.parse(ACTIVATED.last_successful_download) * 1e6,
    )
    expect(sample(body, 'last_bundle_request{name="remote"}')).toBe(
      Date.parse('2025-06-01T11:59:59.000Z') * 1e6,
    )
    expect(sample(body, 'last_success_bundle_activation{name="remote",active_revision=""}')).toBe(
      Number(-6795364578871345152n),
    )
  })

  it("observes OPA's loading stages once per activation", async () => {
    const metrics = createMetrics({ processMetrics: false })
    let status = ACTIVATED
    metrics.watchBundleStatus(() => ({ authz: status }))
    await metrics.render()
    const { body } = await metrics.render()
    const stage = 'bundle_loading_duration_ns_count{name="authz",stage="timer_rego_load_bundles_ns"}'
    expect(sample(body, stage)).toBe(1)
    expect(body).not.toContain('stage="timer_bundle_activate_ns"')
    status = { ...ACTIVATED, last_successful_activation: '2025-06-01T12:01:00.000Z' }
    expect(sample((await metrics.render()).body, stage)).toBe(2)
  })
})
