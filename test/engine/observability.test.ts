// The server as main.ts wires it, seen by an operator: decision-log events in a file (with configured masks),
// Prometheus metrics on GET /metrics, and bundle status on GET /v1/status.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { silentLog } from '../helpers/app.js'
import { buildFixture, tempDir } from '../helpers/fixtures.js'

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('observability of a running server', () => {
  let server: RunningServer
  let logFile: string

  beforeAll(async () => {
    logFile = join(await tempDir(), `decisions-${process.pid}.jsonl`)
    const config = serveConfigFromOptions({
      bundle: [`basic=${await buildFixture('basic')}`],
      addr: '127.0.0.1:0',
      decisionLogFile: logFile,
      decisionLogMask: ['/input/secret'],
      decisionLogLabel: ['env=test'],
      instanceId: 'instance-1',
    })
    server = await startServer(config, silentLog)
  })

  afterAll(async () => {
    await server.close()
  })

  it("logs each decision in OPA's event shape, with the configured pointer erased", async () => {
    const res = await fetch(`${server.url}/v1/data/example/authz/allow`, {
      method: 'POST',
      body: JSON.stringify({ input: { user: 'alice', secret: 'hunter2-do-not-log' } }),
    })
    const { decision_id } = await res.json()
    const text = await eventually(
      () => readFile(logFile, 'utf8').catch(() => ''),
      (t) => t.includes(decision_id),
    )
    expect(text).not.toContain('hunter2-do-not-log')
    const event = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((e) => e.decision_id === decision_id)
    expect(event).toMatchObject({
      decision_id,
      path: 'example/authz/allow',
      input: { user: 'alice' },
      result: true,
      bundles: { basic: { revision: 'rev-basic' } },
      labels: { id: 'instance-1', env: 'test' },
      erased: ['/input/secret'],
    })
    expect(event.requested_by).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(typeof event.timestamp).toBe('string')
  })

  it('serves Prometheus metrics counting decisions by outcome and requests by route', async () => {
    await fetch(`${server.url}/v1/data/example/authz/allow`, {
      method: 'POST',
      body: '{"input":{"user":"bob"}}',
    })
    const res = await fetch(`${server.url}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toMatch(/clearance_decisions_total\{[^}]*outcome="allow"[^}]*\} [1-9]/)
    expect(text).toMatch(/clearance_decisions_total\{[^}]*outcome="deny"[^}]*\} [1-9]/)
    expect(text).toMatch(/clearance_http_requests_total\{[^}]*route="\/v1\/data\/\*"/)
    expect(text).toContain('clearance_bundle_activations_total{bundle="basic"} 1')
    expect(text).toContain('process_resident_memory_bytes')
  })

  it("reports bundle status in OPA's shape", async () => {
    const body = await (await fetch(`${server.url}/v1/status`)).json()
    expect(body.result.labels.id).toBe('instance-1')
    expect(body.result.bundles.basic).toMatchObject({ name: 'basic', active_revision: 'rev-basic' })
    expect(typeof body.result.bundles.basic.last_successful_activation).toBe('string')
  })
})
