// Clients written for OPA, unchanged, against `clearance serve` on plain Rego: the official TypeScript SDK
// (@styra/opa) reading a rule no annotation marks, and a pooled Python http.client connection reused after 10 s of
// quiet (the keep-alive idle timeout must outlast a pool's idle gaps; it was 5 s).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { OPAClient } from '@styra/opa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServeProcess, startServe } from '../helpers/clearance-cli.js'
import { buildFixture } from '../helpers/fixtures.js'

const run = promisify(execFile)

// Two requests on one connection with `idle` seconds between; prints whether the socket was the same one.
const POOLED_CLIENT = `
import http.client, json, sys, time
host, port, idle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection(host, port, timeout=30)
body = json.dumps({"input": {"user": "alice"}})
answers = []
for attempt in range(2):
    conn.request("POST", "/v1/data/shop/authz/allow", body, {"Content-Type": "application/json"})
    res = conn.getresponse()
    answers.append([res.status, json.loads(res.read())["result"]])
    if attempt == 0:
        first = conn.sock
        time.sleep(idle)
print(json.dumps({"answers": answers, "same_socket": conn.sock is first}))
`

describe('OPA clients against clearance serve', () => {
  let server: ServeProcess

  beforeAll(async () => {
    server = await startServe(['--bundle', await buildFixture('plain-rego')])
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
  })

  it('serves the official TypeScript client a rule that carries no entrypoint annotation', async () => {
    const client = new OPAClient(server.url)
    expect(await client.evaluate('shop/authz/allow_reasons', { user: 'alice' })).toEqual(['alice is admin'])
    expect(await client.evaluate('shop/authz/allow', { user: 'bob' })).toBe(false)
    expect(await client.evaluate('shop/authz/audit', { user: 'alice' })).toEqual({ level: 'full' })
  })

  it('keeps a pooled connection open across 10 s of quiet, so its reuse meets no reset', async () => {
    const { port, hostname } = new URL(server.url)
    const { stdout } = await run('python3', ['-c', POOLED_CLIENT, hostname, port, '10.5'], {
      timeout: 40_000,
    })
    expect(JSON.parse(stdout)).toEqual({
      answers: [
        [200, true],
        [200, true],
      ],
      same_socket: true,
    })
  }, 45_000)

  it('sends a large answer gzipped to a client that accepts gzip, a small one as it is', async () => {
    const big = await fetch(`${server.url}/v1/data/shop/catalog`, { headers: { 'accept-encoding': 'gzip' } })
    expect(big.headers.get('content-encoding')).toBe('gzip')
    expect((await big.json()).result.products['sku-007'].price_cents).toBe(700)
    const small = await fetch(`${server.url}/v1/data/shop/users/alice`, {
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(small.headers.get('content-encoding')).toBeNull()
    expect(await small.json()).toMatchObject({ result: { role: 'admin' } })
  })
})
