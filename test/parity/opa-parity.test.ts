// The same Rego through `opa run --server` and `clearance serve` side by side: every request kind of OPA's REST
// API, status and body compared (ids, provenance and timings aside). A difference either fails the test or is one
// of KNOWN_DIFFERENCES, each listed with its reason in docs/opa-parity.md.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { parseJson } from '../../engine/json/index.js'
import { type ServeProcess, startServe } from '../helpers/clearance-cli.js'
import { fixtureDir, tempDir } from '../helpers/fixtures.js'
import { type OpaServer, startOpaServer } from '../helpers/opa-server.js'
import { POLICIES } from '../helpers/policy-bundle.js'

interface Probe {
  name: string
  method: string
  path: string
  body?: string
  /** Compare only status and error code (messages are worded differently). */
  codeOnly?: boolean
  contentType?: string
  /** Compare the shape of `provenance` (its keys and each bundle's keys), which the comparison otherwise drops. */
  provenanceShape?: boolean
}

interface Answer {
  status: number
  location?: string | null
  body: unknown
}

/** Differences that remain, by probe name; docs/opa-parity.md gives each one's reason. */
const KNOWN_DIFFERENCES = new Set(['query api', 'compile api', 'explain notes', 'explain full'])

const alice = JSON.stringify({ input: { user: 'alice', n: 2 } })

const PLAIN: Probe[] = [
  { name: 'rule', method: 'POST', path: '/v1/data/shop/authz/allow', body: alice },
  { name: 'unannotated set rule', method: 'POST', path: '/v1/data/shop/authz/allow_reasons', body: alice },
  { name: 'package', method: 'POST', path: '/v1/data/shop/authz', body: alice },
  { name: 'sub-package', method: 'POST', path: '/v1/data/shop/authz/audit', body: alice },
  { name: 'whole data', method: 'POST', path: '/v1/data', body: alice },
  { name: 'inside a partial object', method: 'POST', path: '/v1/data/shop/authz/roles/bob', body: alice },
  { name: 'ref-head rules joined', method: 'POST', path: '/v1/data/shop/authz/limits', body: alice },
  { name: 'no such rule', method: 'POST', path: '/v1/data/shop/authz/no_such_rule', body: alice },
  { name: 'data', method: 'GET', path: '/v1/data/shop/users/alice' },
  { name: 'missing data', method: 'GET', path: '/v1/data/shop/users/carol' },
  {
    name: 'rule beside an expensive sibling',
    method: 'POST',
    path: '/v1/data/shop/authz/allow',
    body: JSON.stringify({ input: { user: 'alice', expensive: true } }),
  },
  { name: 'function', method: 'POST', path: '/v1/data/shop/authz/double', body: alice, codeOnly: true },
  {
    name: 'conflict',
    method: 'POST',
    path: '/v1/data/shop/authz/conflict',
    body: JSON.stringify({ input: { conflict: true } }),
    codeOnly: true,
  },
  { name: 'policies', method: 'GET', path: '/v1/policies' },
  { name: 'unknown policy', method: 'GET', path: '/v1/policies/nope' },
  { name: 'HEAD', method: 'HEAD', path: '/v1/data/shop/authz/allow' },
  { name: 'OPTIONS', method: 'OPTIONS', path: '/v1/data/shop/authz/allow' },
  { name: 'query api', method: 'POST', path: '/v1/query', body: '{"query":"data.shop.authz.allow"}' },
  { name: 'compile api', method: 'POST', path: '/v1/compile', body: '{"query":"data.shop.authz.allow"}' },
  { name: 'policy write', method: 'PUT', path: '/v1/policies/x', body: 'package x', codeOnly: true },
  { name: 'data write', method: 'PUT', path: '/v1/data/shop/users', body: '{}', codeOnly: true },
  // query flags
  {
    name: 'provenance',
    method: 'POST',
    path: '/v1/data/shop/authz/allow?provenance',
    body: alice,
    provenanceShape: true,
  },
  { name: 'instrument', method: 'POST', path: '/v1/data/shop/authz/allow?instrument', body: alice },
  { name: 'explain notes', method: 'POST', path: '/v1/data/shop/authz/allow?explain=notes', body: alice },
  { name: 'explain full', method: 'POST', path: '/v1/data/shop/authz/allow?explain=full', body: alice },
  {
    name: 'explain, unknown mode',
    method: 'POST',
    path: '/v1/data/shop/authz/allow?explain=bogus',
    body: alice,
  },
  {
    name: 'failing builtin, not strict',
    method: 'POST',
    path: '/v1/data/shop/authz/parsed_time',
    body: JSON.stringify({ input: { time: 'not a time' } }),
  },
  {
    name: 'strict builtin errors, package',
    method: 'POST',
    path: '/v1/data/shop/authz?strict-builtin-errors',
    body: JSON.stringify({ input: { time: 'not a time' } }),
    codeOnly: true,
  },
  {
    name: 'strict builtin errors',
    method: 'POST',
    path: '/v1/data/shop/authz/parsed_time?strict-builtin-errors',
    body: JSON.stringify({ input: { time: 'not a time' } }),
    codeOnly: true,
  },
  // numbers and input decoding
  { name: 'numbers out of float64 range in data', method: 'GET', path: '/v1/data/shop/numbers' },
  {
    name: 'numbers out of float64 range in input',
    method: 'POST',
    path: '/v1/data/shop/authz/echo',
    body: '{"input":{"echo":[1e400,-1e400,1e-400,123456789012345678901234567890,0.1]}}',
  },
  {
    name: 'lone surrogate escapes',
    method: 'POST',
    path: '/v1/data/shop/authz/echo',
    body: '{"input":{"echo":{"s":"a\\ud800b","\\udc00":"\\ud83d\\ude00"}}}',
  },
  {
    name: 'duplicate keys beside a big integer',
    method: 'POST',
    path: '/v1/data/shop/authz/allow_reasons',
    body: '{"input":{"user":"bob","user":"alice","n":123456789012345678901234567890}}',
  },
  {
    name: 'byte order mark',
    method: 'POST',
    path: '/v1/data/shop/authz/allow',
    body: `\ufeff${alice}`,
    codeOnly: true,
  },
  {
    name: 'YAML body (application/x-yaml)',
    method: 'POST',
    path: '/v1/data/shop/authz/allow_reasons',
    body: 'input:\n  user: bob\n  user: alice\n',
    contentType: 'application/x-yaml',
  },
  {
    name: 'YAML body (application/yaml)',
    method: 'POST',
    path: '/v1/data/shop/authz/echo',
    body: 'input:\n  echo: [yes, 0x1F, 1.5, null, "a"]\n',
    contentType: 'application/yaml',
  },
  {
    name: 'malformed YAML body',
    method: 'POST',
    path: '/v1/data/shop/authz/echo',
    body: 'input: [1,\n',
    contentType: 'application/yaml',
    codeOnly: true,
  },
  // paths
  { name: 'double slash (GET)', method: 'GET', path: '/v1/data//shop/users/alice?pretty' },
  { name: 'double slash (POST)', method: 'POST', path: '/v1//data/shop/authz/allow', body: alice },
  { name: 'trailing slash (GET)', method: 'GET', path: '/v1/data/shop/users/alice/?pretty' },
  { name: 'trailing slash (POST)', method: 'POST', path: '/v1/data/shop/authz/allow/', body: alice },
  { name: 'trailing slash on health', method: 'GET', path: '/health/' },
  { name: '17 KB path', method: 'GET', path: `/v1/data/shop/${'a'.repeat(17 * 1024)}` },
]

const PROJECT_INPUT = JSON.stringify({
  input: {
    subject: { type: 'service', spiffe_id: 'spiffe://shop.example/ns/prod/sa/web', authenticated: true },
    connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
    target: { service: 'catalog', operation: { method: 'GET', path: '/products' } },
    time: '2025-06-01T12:00:00Z',
  },
})

const PROJECT: Probe[] = [
  { name: 'decision', method: 'POST', path: '/v1/data/clearance/authz/decision', body: PROJECT_INPUT },
  { name: 'allow', method: 'POST', path: '/v1/data/clearance/authz/allow', body: PROJECT_INPUT },
  {
    name: 'allow_reasons',
    method: 'POST',
    path: '/v1/data/clearance/authz/allow_reasons',
    body: PROJECT_INPUT,
  },
  { name: 'denials', method: 'POST', path: '/v1/data/clearance/authz/denials', body: PROJECT_INPUT },
  { name: 'catalog data', method: 'GET', path: '/v1/data/clearance/catalog/services/payments/zone' },
  { name: 'package', method: 'POST', path: '/v1/data/clearance/authz', body: PROJECT_INPUT },
]

/** The body without what differs by design on every answer: ids, provenance, metrics. */
function comparable(body: unknown, probe: Probe): unknown {
  if (body === null || typeof body !== 'object') return body
  const { decision_id: _id, provenance, metrics, ...rest } = body as Record<string, unknown>
  if (probe.provenanceShape) {
    // bundle names differ (OPA names a folder bundle by its path): compare each bundle's keys
    const { bundles, ...fields } = provenance as { bundles: Record<string, unknown> }
    rest.provenance = { ...(shapeOf(fields) as object), bundles: Object.values(bundles).map(shapeOf) }
  }
  if (metrics !== undefined) rest.metrics = 'present'
  const codeOnly = probe.codeOnly === true
  // /v1/policies: ids are "<bundle name>/<path>" on both sides, and the bundle names differ (a folder, a file); OPA's
  // `ast` is a documented difference.
  if (Array.isArray(rest.result) && rest.result.every((item) => typeof item?.raw === 'string')) {
    return {
      // OPA lists policies in its store's map order, which varies from run to run
      result: rest.result
        .map((item: { id: string; raw: string }) => ({
          path: item.id.slice(item.id.indexOf('/shop/')),
          raw: item.raw,
        }))
        .sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)),
    }
  }
  if (codeOnly) {
    const errors = Array.isArray(rest.errors)
      ? rest.errors.map((error: { code?: unknown }) => error.code)
      : []
    return { code: rest.code, errors }
  }
  return rest
}

/** Keys of an object and of the objects it holds, values left out (revisions and versions differ by design). */
function shapeOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .map(([key, item]): [string, unknown] => [key, shapeOf(item)])
      .sort(([a], [b]) => a.localeCompare(b)),
  )
}

async function ask(base: string, probe: Probe): Promise<Answer> {
  const res = await fetch(`${base}${probe.path}`, {
    method: probe.method,
    redirect: 'manual',
    ...(probe.body === undefined
      ? {}
      : { body: probe.body, headers: { 'content-type': probe.contentType ?? 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    // the project's exact codec: 1e400 and 1e-400 stay apart from Infinity and 0
    body = text === '' ? undefined : parseJson(text)
  } catch {
    // not JSON: compared as text
  }
  const answer: Answer = { status: res.status, body: comparable(body, probe) }
  if (res.status >= 300 && res.status < 400) answer.location = res.headers.get('location')
  return answer
}

function paritySuite(title: string, source: () => string, probes: readonly Probe[]): void {
  describe(title, () => {
    let opa: OpaServer
    let clearance: ServeProcess

    beforeAll(async () => {
      const output = join(await tempDir(), `parity-${title.replace(/\W+/g, '-')}.tar.gz`)
      await buildBundle({ source: source(), output, revision: 'parity' })
      ;[opa, clearance] = await Promise.all([startOpaServer(source()), startServe(['--bundle', output])])
    }, 60_000)

    afterAll(async () => {
      await Promise.all([opa?.stop(), clearance?.stop()])
    })

    for (const probe of probes) {
      const known = KNOWN_DIFFERENCES.has(probe.name)
      it(`${probe.method} ${probe.path} (${probe.name}) ${known ? 'differs as documented' : 'answers as OPA'}`, async () => {
        const [theirs, ours] = await Promise.all([ask(opa.url, probe), ask(clearance.url, probe)])
        if (known) expect(ours).not.toEqual(theirs)
        // strict: an exact number (OutOfRangeNumber) must not equal a plain object holding its text
        else expect(ours).toStrictEqual(theirs)
      })
    }
  })
}

paritySuite('plain Rego without annotations', () => fixtureDir('plain-rego'), PLAIN)
paritySuite("the project's policies", () => POLICIES, PROJECT)
