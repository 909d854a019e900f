import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { classifyOutcome, classifyResult } from '../../../engine/metrics/decision-outcome.js'
import { createMetrics } from '../../../engine/metrics/metrics.js'
import { metricsMiddleware } from '../../../engine/metrics/metrics-middleware.js'

/** The value of one series in the exposition text, or undefined. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('metrics', () => {
  it('renders decisions by outcome and latency by path and outcome', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.observeDecision('app/authz/decision', 'allow', 120_000)
    metrics.observeDecision('app/authz/decision', 'allow', 80_000)
    metrics.observeDecision('app/authz/decision', 'deny', 50_000)
    metrics.observeDecision('app/other', 'error', 10_000)
    const { contentType, body } = await metrics.render()
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(body).toContain('# TYPE clearance_decision_duration_seconds histogram')
    expect(sample(body, 'clearance_decisions_total{outcome="allow"}')).toBe(2)
    expect(sample(body, 'clearance_decisions_total{outcome="deny"}')).toBe(1)
    expect(sample(body, 'clearance_decisions_total{outcome="error"}')).toBe(1)
    expect(
      sample(body, 'clearance_decision_duration_seconds_count{path="app/authz/decision",outcome="allow"}'),
    ).toBe(2)
    expect(
      sample(body, 'clearance_decision_duration_seconds_sum{path="app/authz/decision",outcome="allow"}'),
    ).toBeCloseTo(0.0002, 9)
    expect(
      sample(
        body,
        'clearance_decision_duration_seconds_bucket{le="0.0001",path="app/authz/decision",outcome="allow"}',
      ),
    ).toBe(1)
  })

  it('folds decision paths past the cap into "other" to bound cardinality', async () => {
    const metrics = createMetrics({ processMetrics: false, maxPathLabels: 2 })
    for (const path of ['a', 'b', 'c', 'd', 'a']) metrics.observeDecision(path, 'deny', 1000)
    const { body } = await metrics.render()
    expect(sample(body, 'clearance_decision_duration_seconds_count{path="a",outcome="deny"}')).toBe(2)
    expect(sample(body, 'clearance_decision_duration_seconds_count{path="other",outcome="deny"}')).toBe(2)
    expect(body).not.toContain('path="c"')
  })

  it('counts bundle activations and failures with last-success and last-failure times', async () => {
    const metrics = createMetrics({ processMetrics: false, now: () => 1_700_000_000_000 })
    metrics.bundleActivated('authz')
    metrics.bundleActivated('authz')
    metrics.bundleFailed('authz', 'bundle_error')
    const { body } = await metrics.render()
    expect(sample(body, 'clearance_bundle_activations_total{bundle="authz"}')).toBe(2)
    expect(sample(body, 'clearance_bundle_failures_total{bundle="authz",code="bundle_error"}')).toBe(1)
    expect(sample(body, 'clearance_bundle_last_success_timestamp_seconds{bundle="authz"}')).toBe(
      1_700_000_000,
    )
    expect(sample(body, 'clearance_bundle_last_failure_timestamp_seconds{bundle="authz"}')).toBe(
      1_700_000_000,
    )
  })

  it('counts auth refusals and decision-log drops, and reads the buffer gauges at scrape time', async () => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.authRefused('missing_token')
    metrics.decisionLogDropped('buffer_full', 3)
    metrics.decisionLogDropped('sink_buffer_full', 0)
    metrics.decisionLogDelivered('http', 10)
    let buffered = 5
    metrics.watchDecisionLog(() => ({ bufferedEvents: buffered, bufferedBytes: buffered * 100 }))
    buffered = 7
    const { body } = await metrics.render()
    expect(sample(body, 'clearance_auth_refusals_total{reason="missing_token"}')).toBe(1)
    expect(sample(body, 'clearance_decision_log_events_dropped_total{reason="buffer_full"}')).toBe(3)
    expect(body).not.toContain('reason="sink_buffer_full"')
    expect(sample(body, 'clearance_decision_log_events_delivered_total{sink="http"}')).toBe(10)
    expect(sample(body, 'clearance_decision_log_buffer_events')).toBe(7)
    expect(sample(body, 'clearance_decision_log_buffer_bytes')).toBe(700)
  })

  it('collects process metrics on its own registry, not the global one', async () => {
    const a = createMetrics()
    const b = createMetrics()
    a.observeDecision('x', 'allow', 1)
    const bodyA = (await a.render()).body
    const bodyB = (await b.render()).body
    expect(bodyA).toContain('process_cpu_user_seconds_total')
    expect(bodyA).toContain('nodejs_eventloop_lag_seconds')
    expect(sample(bodyB, 'clearance_decisions_total{outcome="allow"}')).toBeUndefined()
  })

  it('labels HTTP requests by route pattern, never by raw path, and unmatched ones as such', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const app = new Hono()
    app.use('*', metricsMiddleware(metrics))
    app.post('/v1/data/*', (c) => c.json({ result: true }))
    app.get('/health', (c) => c.json({}))
    app.get('/boom', () => {
      throw new Error('boom')
    })
    app.notFound((c) => c.json({ code: 'resource_not_found' }, 404))
    app.onError((_, c) => c.json({ code: 'internal_error' }, 500))
    app.get('/metrics', async (c) => {
      const { contentType, body } = await metrics.render()
      return c.body(body, 200, { 'content-type': contentType })
    })
    await app.request('/v1/data/app/authz/alice', { method: 'POST', body: '{}' })
    await app.request('/v1/data/app/authz/bob', { method: 'POST', body: '{}' })
    await app.request('/health')
    await app.request('/boom')
    await app.request('/no/such/route/123')
    const res = await app.request('/metrics')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const body = await res.text()
    expect(sample(body, 'clearance_http_requests_total{method="POST",route="/v1/data/*",status="200"}')).toBe(
      2,
    )
    expect(sample(body, 'clearance_http_requests_total{method="GET",route="/health",status="200"}')).toBe(1)
    expect(sample(body, 'clearance_http_requests_total{method="GET",route="/boom",status="500"}')).toBe(1)
    expect(sample(body, 'clearance_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1)
    expect(
      sample(
        body,
        'clearance_http_request_duration_seconds_count{method="POST",route="/v1/data/*",status="200"}',
      ),
    ).toBe(2)
    expect(body).not.toContain('alice')
    expect(body).not.toContain('/no/such')
  })

  it('classifies outcomes: true or allow:true is allow, other results deny, none undefined', () => {
    expect(classifyResult('true')).toBe('allow')
    expect(classifyResult('{"allow":true,"reasons":[]}')).toBe('allow')
    expect(classifyResult('{"nested":{"allow":true},"allow":false}')).toBe('deny')
    expect(classifyResult('{"allow":false}')).toBe('deny')
    expect(classifyResult('{"allow":true}')).toBe('allow')
    expect(classifyResult('{"allow":trueish}')).toBe('deny')
    expect(classifyResult('{"allow":true ,"x":1}')).toBe('allow')
    expect(classifyResult('{"obligations":[],"allow":true}')).toBe('allow')
    expect(classifyResult('false')).toBe('deny')
    expect(classifyResult('"allow"')).toBe('deny')
    expect(classifyOutcome({ defined: false })).toBe('undefined')
  })
})
