// Throws 10,000 malformed, oversized, deeply nested and wrongly typed requests (deterministic seed) at a
// `clearance serve` process on 127.0.0.1. The process must stay up, every reply must be an OPA error body with a
// 4xx/5xx status or a valid decision, and its RSS afterwards must stay within a bound of RSS before.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPolicyBundle } from '../../helpers/policy-bundle.js'
import { seededRandom } from '../../helpers/seeded-random.js'

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'clearance.js')
const REQUESTS = 10_000
const CONCURRENCY = 16
const MAX_BODY_BYTES = 256 * 1024
/** Allowed RSS growth over the run: heap and wasm memory settle after warm-up; a leak would exceed this. */
const RSS_BOUND_BYTES = 48 * 1024 * 1024

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

const example = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'policies', 'examples', 'allow-orders-to-payments.json'),
    'utf8',
  ),
) as Record<string, unknown>

interface FuzzRequest {
  method: string
  path: string
  body?: Uint8Array | string
  headers?: Record<string, string>
}

function generator(random: () => number): () => FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const junkValue = (depth: number): unknown => {
    const roll = random()
    if (depth > 4 || roll < 0.3)
      return pick([null, true, false, 0, -1, 1e308, 'x', '', '\u0000', 12345678901234567890n])
    if (roll < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => junkValue(depth + 1))
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`k${i}`, junkValue(depth + 1)]),
    )
  }
  const stringify = (value: unknown): string =>
    JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'null'
  const mutateExample = (): unknown => {
    const copy = structuredClone(example)
    const key = pick(Object.keys(copy))
    copy[key] = junkValue(0)
    return copy
  }
  const paths = [
    '/v1/data/clearance/authz/decision',
    '/v1/data/clearance/authz/allow',
    '/v1/data',
    '/v1/data/x/y/z',
    '/v1/check',
    '/',
    '/v1/batch/data/clearance/authz/allow',
    '/v1/data/clearance/catalog/services',
    '/nope',
    '/v1/data/%ZZ',
    '/health',
  ]
  const bodies: Array<() => string | Uint8Array> = [
    () => '{"input":',
    () => '{"input": {"a": [1, 2,, 3]}}',
    () => `{"input":${'['.repeat(200 + Math.floor(random() * 5000))}`,
    () => `{"input":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`,
    () => `{"input":"${'x'.repeat(MAX_BODY_BYTES + 1)}"}`,
    () => stringify({ input: junkValue(0) }),
    () => stringify(junkValue(0)),
    () => stringify({ input: mutateExample() }),
    () => stringify(mutateExample()),
    () => stringify({ inputs: junkValue(0) }),
    () => stringify({ inputs: { a: mutateExample(), b: junkValue(0) } }),
    () => new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0x80, 0x81]),
    () => gzipSync(stringify({ input: mutateExample() })),
    () => `[${'1,'.repeat(200_000)}1]`,
    () => '',
    () => 'null',
  ]
  return () => {
    const path = pick(paths)
    const method = pick(['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'])
    const headers: Record<string, string> = {}
    if (random() < 0.2) headers['content-encoding'] = pick(['gzip', 'br', 'identity'])
    if (random() < 0.1)
      headers['content-type'] = pick(['text/plain', 'application/x-yaml', 'application/json; charset=latin1'])
    const request: FuzzRequest = { method, path, headers }
    if (method !== 'GET') request.body = pick(bodies)()
    else if (random() < 0.5)
      request.path += `?input=${encodeURIComponent(stringify(junkValue(0)))}&pretty=${pick(['', 'true', 'x'])}`
    return request
  }
}

function validReply(path: string, status: number, text: string): string | undefined {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 80)}`
  }
  const record = body as Record<string, unknown>
  if (status >= 400) {
    return typeof record?.code === 'string' && typeof record.message === 'string'
      ? undefined
      : `status ${status} without OPA's error body: ${text.slice(0, 120)}`
  }
  if (path.startsWith('/v1/check')) {
    return typeof record.allow === 'boolean' && Array.isArray(record.reasons)
      ? undefined
      : `bad verdict ${text.slice(0, 120)}`
  }
  if (path.startsWith('/v1/batch'))
    return typeof record.responses === 'object' ? undefined : `bad batch ${text.slice(0, 120)}`
  if (path.startsWith('/v1/data'))
    return typeof record.decision_id === 'string' ? undefined : `bad decision ${text.slice(0, 120)}`
  return undefined
}

describe('API fuzz', () => {
  let server: ChildProcess
  let url: string
  let serverOutput = ''

  beforeAll(async () => {
    const bundle = await buildPolicyBundle('fuzz')
    server = spawn(
      'node',
      [
        BIN,
        'serve',
        '--bundle',
        `clearance=${bundle}`,
        '--addr',
        '127.0.0.1:0',
        '--max-body-bytes',
        String(MAX_BODY_BYTES),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    server.stderr!.on('data', (chunk: Buffer) => {
      serverOutput = (serverOutput + chunk.toString()).slice(-20_000)
    })
    server.on('exit', (code, signal) => {
      serverOutput += `\n[server exited: code ${code}, signal ${signal}]`
    })
    url = await new Promise<string>((resolve, reject) => {
      let out = ''
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        serverOutput = (serverOutput + chunk.toString()).slice(-20_000)
        const match = /"addr":"(http:\/\/[^"]+)"/.exec(out)
        if (match) resolve(match[1]!)
      })
      server.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    })
  })

  afterAll(() => {
    server.kill('SIGKILL')
  })

  it(`survives ${REQUESTS} hostile requests with OPA-shaped replies and bounded memory`, async () => {
    const next = generator(seededRandom(20261123))
    const send = async (request: FuzzRequest): Promise<string | undefined> => {
      try {
        const res = await fetch(`${url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body as BodyInit }),
        })
        return validReply(request.path, res.status, await res.text())
      } catch (thrown) {
        return `request failed: ${(thrown as Error).message} (${request.method} ${request.path.slice(0, 60)})`
      }
    }
    // warm-up, then the baseline
    for (let i = 0; i < 300; i++) await send(next())
    const before = rssOf(server.pid!)
    const problems: string[] = []
    let sent = 0
    while (sent < REQUESTS) {
      const wave = Array.from({ length: Math.min(CONCURRENCY, REQUESTS - sent) }, () => send(next()))
      sent += wave.length
      for (const problem of await Promise.all(wave)) if (problem !== undefined) problems.push(problem)
    }
    expect(server.exitCode, serverOutput).toBeNull()
    expect(server.signalCode, serverOutput).toBeNull()
    const after = rssOf(server.pid!)
    expect(problems.slice(0, 10)).toEqual([])
    const health = await fetch(`${url}/health?bundles`)
    expect(health.status).toBe(200)
    console.log(
      `fuzz: ${sent} requests, RSS ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB`,
    )
    expect(after - before).toBeLessThan(RSS_BOUND_BYTES)
  }, 180_000)
})
