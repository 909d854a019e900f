// The same Rego through `opa run --server` and `clearance serve` side by side: every request kind of OPA's REST
// API, status and body compared (ids, provenance and timings aside). A difference either fails the test or is one
// of KNOWN_DIFFERENCES, each listed with its reason in docs/opa-parity.md.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
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
}

interface Answer {
  status: number
  body: unknown
}

/** Differences that remain, by probe name; docs/opa-parity.md gives each one's reason. */
const KNOWN_DIFFERENCES = new Set(['query api', 'compile api', 'policies'])

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
function comparable(body: unknown, codeOnly: boolean): unknown {
  if (body === null || typeof body !== 'object') return body
  const { decision_id: _id, provenance: _p, metrics: _m, ...rest } = body as Record<string, unknown>
  // /v1/policies: ids are "<bundle name>/<path>" on both sides, and the bundle names differ (a folder, a file); OPA's
  // `ast` is a documented difference.
  if (Array.isArray(rest.result) && rest.result.every((item) => typeof item?.raw === 'string')) {
    return {
      result: rest.result.map((item: { id: string; raw: string }) => ({
        path: item.id.slice(item.id.indexOf('/shop/')),
        raw: item.raw,
      })),
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

async function ask(base: string, probe: Probe): Promise<Answer> {
  const res = await fetch(`${base}${probe.path}`, {
    method: probe.method,
    ...(probe.body === undefined
      ? {}
      : { body: probe.body, headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    // not JSON: compared as text
  }
  return { status: res.status, body: comparable(body, probe.codeOnly === true) }
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
        else expect(ours).toEqual(theirs)
      })
    }
  })
}

paritySuite('plain Rego without annotations', () => fixtureDir('plain-rego'), PLAIN)
paritySuite("the project's policies", () => POLICIES, PROJECT)
