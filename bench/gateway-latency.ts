// Enforcement where gateways ask, one decision four ways, on 127.0.0.1: Envoy's ext_authz Check over gRPC (a
// CheckRequest built from Envoy's protos, decided by clearance/gateway/envoy), forward-auth through real nginx
// (docs/gateways/nginx.conf; a TLS request in, nginx's auth_request to Clearance, the upstream behind), forward-auth
// called directly, and POST /v1/data/clearance/gateway/{envoy,decision} with the input both faces build — on Clearance and,
// for reference, on `opa run --server` (OPA's Envoy plugin is not measured: its Go module does not install from the
// module proxy this machine can reach). Each is a closed loop of --connections callers for --seconds; it prints
// p50/p99 and requests/s. Needs `npm run build:ts` (dist/) and the nginx Debian package.
// Usage: npx tsx bench/gateway-latency.ts [--connections 8] [--seconds 5] [--warmup 1]
import { Agent as HttpsAgent } from 'node:https'
import { parseArgs } from 'node:util'
import { resolveOpaBinary } from '../engine/build/opa-binary.js'
import { envoyClient, httpCheckRequest, type Json } from '../test/helpers/envoy-client.js'
import { createIssuer } from '../test/helpers/gateway-app.js'
import { createAuthority } from '../test/helpers/pki.js'
import { countingUpstream, freePort, httpsRequest, startNginx } from '../test/helpers/real-gateways.js'
import { referenceBundle } from './support/bundles.js'
import { type ServerProcess, startClearance, startOpa } from './support/servers.js'
import { type Summary, summarize } from './support/stats.js'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
  },
})
const connections = Number(values.connections)
const seconds = Number(values.seconds)
const warmup = Number(values.warmup)

interface Result {
  name: string
  summary: Summary
  perSecond: number
  failures: number
}

/** `connections` callers each awaiting `op` in a loop; latencies in microseconds. */
async function closedLoop(name: string, op: () => Promise<boolean>): Promise<Result> {
  const run = async (durationS: number, record: boolean) => {
    const samples: number[] = []
    let failures = 0
    const deadline = performance.now() + durationS * 1000
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now()
          const ok = await op()
          if (record) samples.push((performance.now() - started) * 1000)
          if (!ok) failures++
        }
      }),
    )
    return { samples, failures }
  }
  await run(warmup, false)
  const { samples, failures } = await run(seconds, true)
  return { name, summary: summarize(samples), perSecond: samples.length / seconds, failures }
}

const servers: ServerProcess[] = []
const stoppers: (() => Promise<void>)[] = []
try {
  const bundle = await referenceBundle()
  const issuer = await createIssuer('bench')
  const envoyPort = await freePort()
  const clearance = await startClearance({
    bundle: bundle.wasm,
    serveArgs: [
      '--envoy-grpc-addr',
      `127.0.0.1:${envoyPort}`,
      '--envoy-decision',
      'clearance/gateway/envoy',
      '--forward-auth',
      '--trusted-proxy',
      '127.0.0.1',
      '--jwks-file',
      issuer.jwksFile,
      '--jwt-issuer',
      'https://id.shop.example',
      '--jwt-audience',
      'shop',
    ],
  })
  servers.push(clearance)
  const opa = await startOpa({ opa: await resolveOpaBinary(), bundle: bundle.rego })
  servers.push(opa)

  const ca = await createAuthority('bench-ca')
  const cert = await ca.issue('shop', {
    subjectAltNames: ['DNS:shop.example', 'IP:127.0.0.1'],
    extendedKeyUsage: 'serverAuth',
  })
  const upstream = await countingUpstream()
  stoppers.push(upstream.close)
  const nginx = await startNginx({
    clearanceAddr: clearance.url.replace(/^http:\/\//, ''),
    upstreamAddr: upstream.addr,
    certFile: cert.certFile,
    keyFile: cert.keyFile,
    clientCaFile: ca.certFile,
  })
  stoppers.push(nginx.stop)

  // The decision: a signed-in customer checks out through the edge (allowed, three obligations).
  const token = issuer.sign({ sub: 'carol@example.net', roles: ['customer'] })
  const claims = { sub: 'carol@example.net', roles: ['customer'] }
  const check = httpCheckRequest({
    method: 'POST',
    path: '/checkout',
    host: 'shop.example',
    sourceAddress: '203.0.113.7',
    metadata: {
      filterMetadata: {
        'envoy.filters.http.jwt_authn': {
          fields: {
            jwt_payload: {
              structValue: {
                fields: {
                  sub: { stringValue: claims.sub },
                  roles: { listValue: { values: [{ stringValue: 'customer' }] } },
                },
              },
            },
          },
        },
      },
    },
  })
  const gatewayInput = {
    attributes: {
      source: { address: { socketAddress: { address: '203.0.113.7' } } },
      request: {
        http: { method: 'POST', path: '/checkout', host: 'shop.example', scheme: 'https', headers: {} },
      },
    },
    parsed_path: ['checkout'],
    parsed_query: {},
    parsed_body: null,
    truncated_body: false,
    version: { encoding: 'protojson', ext_authz: 'v3' },
    verified: { time: new Date().toISOString(), via: 'forward_auth', user: claims },
  }
  const dataBody = JSON.stringify({ input: gatewayInput })
  const forwardHeaders = {
    'x-forwarded-method': 'POST',
    'x-forwarded-uri': '/checkout',
    'x-forwarded-host': 'shop.example',
    'x-forwarded-proto': 'https',
    'x-forwarded-for': '203.0.113.7',
    authorization: `Bearer ${token}`,
  }

  const client = envoyClient(`127.0.0.1:${envoyPort}`)
  stoppers.push(async () => client.close())
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: connections })

  // Every face must give the allow, or the comparison means nothing.
  const envoyOk = async () => ((await client.check(check)).status as Json).code === 0
  const dataOk =
    (url: string, rule: 'decision' | 'envoy' = 'decision') =>
    async () => {
      const res = await fetch(`${url}/v1/data/clearance/gateway/${rule}`, { method: 'POST', body: dataBody })
      const result = ((await res.json()) as { result?: { allow?: boolean; allowed?: boolean } }).result
      return (rule === 'envoy' ? result?.allowed : result?.allow) === true
    }
  const directOk = async () =>
    (await fetch(`${clearance.url}/v1/gateway/forward-auth`, { headers: forwardHeaders })).status === 200
  const nginxOk = async () =>
    (
      await httpsRequest(nginx.port, {
        host: 'shop.example',
        path: '/checkout',
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        ca: ca.cert,
        agent,
      })
    ).status === 200
  for (const [name, op] of [
    ['ext_authz', envoyOk],
    ['data clearance', dataOk(clearance.url)],
    ['data clearance envoy', dataOk(clearance.url, 'envoy')],
    ['data opa', dataOk(opa.url)],
    ['forward-auth', directOk],
    ['nginx', nginxOk],
  ] as const) {
    if (!(await op())) throw new Error(`${name} does not allow the benchmark request`)
  }

  const results = [
    await closedLoop('ext_authz Check (gRPC), clearance/gateway/envoy', envoyOk),
    await closedLoop('POST /v1/data/clearance/gateway/envoy, Clearance', dataOk(clearance.url, 'envoy')),
    await closedLoop('POST /v1/data/clearance/gateway/decision, Clearance', dataOk(clearance.url)),
    await closedLoop('POST /v1/data/clearance/gateway/decision, OPA (topdown)', dataOk(opa.url)),
    await closedLoop('GET /v1/gateway/forward-auth, direct (JWT verified)', directOk),
    await closedLoop('HTTPS through nginx auth_request → forward-auth → upstream', nginxOk),
  ]
  agent.destroy()
  console.log(`\n${connections} callers, ${seconds} s each after ${warmup} s warm-up; latency in µs\n`)
  console.log('| path | p50 µs | p99 µs | req/s | failures |')
  console.log('|---|---:|---:|---:|---:|')
  for (const r of results) {
    console.log(
      `| ${r.name} | ${r.summary.p50.toFixed(0)} | ${r.summary.p99.toFixed(0)} | ${r.perSecond.toFixed(0)} | ${r.failures} |`,
    )
  }
} finally {
  for (const stop of stoppers.reverse()) await stop()
  for (const server of servers) await server.stop()
}
