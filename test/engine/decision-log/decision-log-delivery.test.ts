// End to end: decisions made by real wasm policies, masked by a real system.log.mask entrypoint and configured
// pointers, delivered to a console writer, a file and an HTTP collector on 127.0.0.1 through an outage.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPolicyRegistry, type PolicyRegistry } from '../../../engine/activation/policy-registry.js'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { createDecider, type Decider } from '../../../engine/decision/decider.js'
import { decisionRecord } from '../../../engine/decision-log/decision-event.js'
import { createDecisionLogger } from '../../../engine/decision-log/decision-logger.js'
import { createHttpUploader } from '../../../engine/decision-log/http-uploader.js'
import { logPolicyEvaluators } from '../../../engine/decision-log/log-policy.js'
import { parseConfiguredMasks } from '../../../engine/decision-log/mask-rules.js'
import { createConsoleSink, createFileSink } from '../../../engine/decision-log/stream-sink.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { createMetrics } from '../../../engine/metrics/metrics.js'
import { createPolicySet } from '../../../engine/policy/policy-set.js'
import { type LogCollector, startLogCollector, waitFor } from './log-collector.js'

const silent = pino({ level: 'silent' })

const AUTHZ_REGO = `package app.authz

# METADATA
# entrypoint: true
decision := {
	"allow": input.user == "alice",
	"reasons": [{"code": "user", "message": sprintf("user is %s", [input.user])}],
	"obligations": [],
	"echo": {"token": input.token},
}
`

const LOG_REGO = `package system.log

# METADATA
# entrypoint: true
mask contains "/input/password"

mask contains {"op": "upsert", "path": "/input/card/number", "value": "****"} if input.input.card.number

mask contains "/result/echo/token"

# METADATA
# entrypoint: true
drop if input.input.user == "drop-me"
`

const SECRET = 'SECRET'

function inputFor(i: number, user = i % 3 === 0 ? 'alice' : 'bob'): Uint8Array {
  return encodeJson({
    user,
    password: `pw-${SECRET}-${i}`,
    card: { number: `4111-${SECRET}-${i}`, expiry: '12/30' },
    ssn: `ssn-${SECRET}-${i}`,
    token: `tok-${SECRET}-${i}`,
    seq: i,
  })
}

describe('decision log delivery', () => {
  let dir: string
  let registry: PolicyRegistry
  let decider: Decider
  let collector: LogCollector

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearance-decision-log-'))
    await mkdir(join(dir, 'policy', 'app'), { recursive: true })
    await mkdir(join(dir, 'policy', 'system'), { recursive: true })
    await writeFile(join(dir, 'policy', 'app', 'authz.rego'), AUTHZ_REGO)
    await writeFile(join(dir, 'policy', 'system', 'log.rego'), LOG_REGO)
    const output = join(dir, 'bundle.tar.gz')
    await buildBundle({ source: join(dir, 'policy'), output, revision: 'rev-log' })
    registry = createPolicyRegistry()
    registry.activate(await createPolicySet([await loadBundleFromPath('authz', output)]))
    decider = createDecider({ registry })
    collector = await startLogCollector()
  })

  afterAll(async () => {
    await collector?.close()
  })

  it('delivers every event to every sink through a collector outage, with no masked value in any byte', async () => {
    const metrics = createMetrics({ processMetrics: false })
    const consoleText: string[] = []
    const filePath = join(dir, 'logs', 'decisions.jsonl')
    const sinkOptions = { onDrop: metrics.decisionLogDropped, onDelivered: metrics.decisionLogDelivered }
    const uploader = createHttpUploader({
      url: collector.url,
      credentials: { bearerToken: 's3cr3t-token' },
      uploadSizeLimitBytes: 16_384,
      minDelayMs: 20,
      maxDelayMs: 100,
      buffer: { maxEvents: 20_000 },
      log: silent,
      ...sinkOptions,
    })
    const sinks = [
      createConsoleSink({ writer: { write: (chunk) => consoleText.push(chunk) > 0 }, ...sinkOptions }),
      createFileSink({ path: filePath, ...sinkOptions }),
      uploader,
    ]
    const { evaluateMask, evaluateDrop } = logPolicyEvaluators(() => registry.current())
    const log = createDecisionLogger({
      sinks,
      labels: { id: 'instance-1', version: 'test', cluster: 'eu-1' },
      mask: {
        rules: parseConfiguredMasks(['/input/ssn', '/input/token'], '--decision-log-mask'),
        evaluateMask,
      },
      evaluateDrop,
      log: silent,
      onDrop: metrics.decisionLogDropped,
    })
    metrics.watchDecisionLog(() => log.stats())
    await log.start()

    const expected = new Set<string>()
    const decide = async (i: number, user?: string): Promise<void> => {
      const input = inputFor(i, user)
      const decision = await decider.decide('app/authz/decision', input)
      if (user !== 'drop-me') expected.add(decision.decisionId)
      log.record(decisionRecord(decision, input, { requestedBy: '127.0.0.1:40000' }))
    }
    const burst = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        await decide(i)
        if (i % 25 === 0) await decide(i, 'drop-me')
        // Under load, but let I/O in now and then, as a server would.
        if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
      }
    }

    await burst(0, 2500)
    await waitFor(() => collector.events.length > 0, 10_000, 'first upload')
    await collector.down()
    await burst(2500, 5000)
    await waitFor(() => uploader.status() === 'error', 10_000, 'the uploader to notice the outage')
    expect(log.stats().bufferedEvents).toBeGreaterThan(0)
    expect(log.status()).toBe('error')
    await collector.reopen()
    await waitFor(
      () => new Set(collector.events.map((event) => event.decision_id)).size >= expected.size,
      20_000,
      'every event to arrive after the outage',
    )
    await log.stop()
    expect(uploader.status()).toBe('ok')

    // Every decision arrived (at least once: an upload cut by the outage may be repeated), drops never did.
    const received = new Set(collector.events.map((event) => event.decision_id as string))
    expect(received).toEqual(expected)
    expect(expected.size).toBe(5000)
    expect(log.stats().dropped).toEqual({ drop_policy: 200 })

    // OPA's protocol: gzipped JSON arrays POSTed to /logs, each within the size limit, with the bearer token.
    for (const upload of collector.uploads) {
      expect(upload.path).toBe('/logs')
      expect(upload.headers['content-encoding']).toBe('gzip')
      expect(upload.headers['content-type']).toBe('application/json')
      expect(upload.headers.authorization).toBe('Bearer s3cr3t-token')
      expect(upload.compressedBytes).toBeLessThanOrEqual(16_384)
    }
    expect(collector.uploads.length).toBeGreaterThan(1)

    // Masked values appear in no byte of any sink.
    const fileText = await readFile(filePath, 'utf8')
    const bodies = collector.uploads.map((upload) => upload.body.toString('utf8'))
    for (const text of [consoleText.join(''), fileText, ...bodies]) expect(text).not.toContain(SECRET)
    expect(fileText.trim().split('\n')).toHaveLength(5000)
    expect(consoleText.join('').trim().split('\n')).toHaveLength(5000)

    const event = collector.events.find((candidate) => (candidate.input as { seq: number }).seq === 3)!
    expect(event).toMatchObject({
      labels: { id: 'instance-1', version: 'test', cluster: 'eu-1' },
      bundles: { authz: { revision: 'rev-log' } },
      path: 'app/authz/decision',
      input: { user: 'alice', card: { number: '****', expiry: '12/30' }, seq: 3 },
      result: { allow: true, reasons: [{ code: 'user', message: 'user is alice' }], echo: {} },
      reasons: [{ code: 'user', message: 'user is alice' }],
      requested_by: '127.0.0.1:40000',
      masked: ['/input/card/number'],
    })
    expect((event.erased as string[]).sort()).toEqual([
      '/input/password',
      '/input/ssn',
      '/input/token',
      '/result/echo/token',
    ])
    expect(event.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    expect((event.metrics as Record<string, number>).timer_rego_query_eval_ns).toBeGreaterThan(0)

    const { body } = await metrics.render()
    expect(body).toContain('clearance_decision_log_events_delivered_total{sink="http"} ')
    expect(body).toContain('clearance_decision_log_events_dropped_total{reason="drop_policy"} 200')
  }, 60_000)

  it('drops and counts the oldest events when the collector stays down and the buffer fills', async () => {
    const down = await startLogCollector()
    await down.down()
    const drops: Record<string, number> = {}
    const uploader = createHttpUploader({
      url: down.url,
      minDelayMs: 10,
      maxDelayMs: 50,
      buffer: { maxEvents: 100 },
      log: silent,
      onDrop: (reason, count) => {
        drops[reason] = (drops[reason] ?? 0) + count
      },
    })
    const log = createDecisionLogger({ sinks: [uploader], labels: { id: 'i', version: 't' }, log: silent })
    await log.start()
    const ids: string[] = []
    for (let i = 0; i < 300; i++) {
      const input = inputFor(i)
      const decision = await decider.decide('app/authz/decision', input)
      ids.push(decision.decisionId)
      log.record(decisionRecord(decision, input))
    }
    log.drain()
    await waitFor(() => uploader.status() === 'error', 5_000, 'a failed upload')
    expect(drops.sink_buffer_full).toBe(200)
    expect(uploader.stats().bufferedEvents).toBe(100)
    await down.reopen()
    await waitFor(() => down.events.length >= 100, 10_000, 'the buffered events')
    expect(down.events.map((event) => event.decision_id)).toEqual(ids.slice(200))
    await log.stop()
    await down.close()
  })

  it('waits at least Retry-After when the collector answers 429', async () => {
    const limited = await startLogCollector()
    limited.respondWith([{ status: 429, headers: { 'retry-after': '1' } }])
    const uploader = createHttpUploader({ url: limited.url, minDelayMs: 10, maxDelayMs: 20, log: silent })
    await uploader.start()
    uploader.write(['{"decision_id":"a"}'])
    const started = Date.now()
    await waitFor(() => uploader.stats().delivered === 1, 5_000, 'the retried upload')
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(uploader.stats()).toMatchObject({ delivered: 1, state: 'ok' })
    await uploader.stop()
    await limited.close()
  })

  it('uploads at once when a full chunk is waiting, without waiting for the periodic delay', async () => {
    const fast = await startLogCollector()
    const uploader = createHttpUploader({
      url: fast.url,
      resource: '/v1/decisions',
      uploadSizeLimitBytes: 1024,
      minDelayMs: 60_000,
      maxDelayMs: 60_000,
      log: silent,
    })
    await uploader.start()
    uploader.write(Array.from({ length: 200 }, (_, i) => `{"decision_id":"${i}","pad":"${'x'.repeat(40)}"}`))
    await waitFor(() => fast.events.length > 0, 5_000, 'an immediate upload')
    expect(fast.uploads[0]!.path).toBe('/v1/decisions')
    expect(fast.uploads.every((upload) => upload.compressedBytes <= 1024)).toBe(true)
    await uploader.stop()
    expect(fast.events.map((event) => event.decision_id)).toEqual(
      Array.from({ length: 200 }, (_, i) => String(i)),
    )
    await fast.close()
  })

  it('makes one last attempt at stop and counts what it could not upload', async () => {
    const gone = await startLogCollector()
    await gone.down()
    const drops: Record<string, number> = {}
    const uploader = createHttpUploader({
      url: gone.url,
      minDelayMs: 60_000,
      maxDelayMs: 60_000,
      log: silent,
      onDrop: (reason, count) => {
        drops[reason] = (drops[reason] ?? 0) + count
      },
    })
    await uploader.start()
    uploader.write(['{"decision_id":"a"}', '{"decision_id":"b"}'])
    await uploader.stop()
    expect(drops).toEqual({ stopped: 2 })
    expect(uploader.stats().bufferedEvents).toBe(0)
    await gone.close()
  })

  it('stops within its deadline when the collector never answers', async () => {
    const hung = await startLogCollector()
    hung.respondWith([{ status: 0 }])
    const drops: Record<string, number> = {}
    const uploader = createHttpUploader({
      url: hung.url,
      minDelayMs: 60_000,
      maxDelayMs: 60_000,
      stopTimeoutMs: 200,
      timeoutMs: 30_000,
      log: silent,
      onDrop: (reason, count) => {
        drops[reason] = (drops[reason] ?? 0) + count
      },
    })
    await uploader.start()
    uploader.write(['{"decision_id":"a"}'])
    const started = Date.now()
    await uploader.stop()
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(drops).toEqual({ stopped: 1 })
    await hung.close()
  })

  it('drops an event that cannot fit one upload on its own, and sends the rest', async () => {
    const small = await startLogCollector()
    const drops: Record<string, number> = {}
    const uploader = createHttpUploader({
      url: small.url,
      uploadSizeLimitBytes: 200,
      minDelayMs: 10,
      maxDelayMs: 20,
      log: silent,
      onDrop: (reason, count) => {
        drops[reason] = (drops[reason] ?? 0) + count
      },
    })
    await uploader.start()
    const random = Array.from({ length: 2000 }, () => Math.random().toString(36).slice(2)).join('')
    uploader.write(['{"decision_id":"a"}', `{"decision_id":"big","pad":"${random}"}`, '{"decision_id":"b"}'])
    await waitFor(() => uploader.stats().delivered === 2, 5_000, 'the small events')
    expect(drops).toEqual({ too_large: 1 })
    expect(small.events.map((event) => event.decision_id)).toEqual(['a', 'b'])
    await uploader.stop()
    await small.close()
  })
})
