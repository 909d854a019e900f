#!/usr/bin/env node
// Writes a policy bundle directory whose catalog holds N synthetic services (plus the example shop's), shaped
// exactly like policies/clearance/catalog/data.json, and inputs that hit services across it, so a benchmark can show
// decision latency stays flat from 10 to 100,000 services (every rule looks things up by key).
//
// Usage: node bench/catalog/generate-catalog.mjs <N> [--out dir]     (default dir: bench/out/catalog-<N>)
// Writes: <dir>/bundle/clearance/catalog/data.json   the catalog (shop + N services, N grants, N/1000 revocations)
//         <dir>/bundle/clearance/authz/*.rego        the policy, copied without tests
//         <dir>/inputs.json                          [{ name, input, expect: { allow, reason_codes } }]
// Build:  opa build -t wasm -b <dir>/bundle -o <dir>/bundle.tar.gz
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const policyDir = join(root, 'policies/clearance/authz')
const shopCatalog = join(root, 'policies/clearance/catalog/data.json')

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } })
const n = Number(positionals[0])
if (!Number.isInteger(n) || n < 3) {
  console.error('usage: generate-catalog.mjs <N ≥ 3> [--out dir]')
  process.exit(2)
}
const out = resolve(values.out ?? join(root, 'bench/out', `catalog-${n}`))
const time = '2025-06-01T12:00:00Z'
const teamCount = Math.max(1, Math.ceil(n / 5))

const name = (i) => `svc-${String(i).padStart(6, '0')}`
const identity = (i) => `spiffe://shop.example/ns/bench/sa/${name(i)}`
const retiredIdentity = (i) => `${identity(i)}-retired`
const team = (i) => `team-${String(i % teamCount).padStart(5, '0')}`
// One in ten services sits in the restricted zone, the rest in the mesh.
const zone = (i) => (i % 10 === 0 ? 'restricted' : 'internal')

function service(i) {
  return {
    description: `Synthetic service ${i} for the catalog-size benchmark.`,
    zone: zone(i),
    team: team(i),
    identities: [identity(i)],
    clearance: 'restricted',
    tags_allowed: i % 2 === 0 ? ['pii'] : [],
    same_team_access: i % 3 === 0 ? 'grant' : 'open',
    operations: {
      'GET /items/{id}': {
        classification: 'confidential',
        tags: ['pii'],
        access: 'read',
        category: 'business',
        mask: { pii: ['owner.email', 'owner.name'] },
      },
      'POST /items': { classification: 'internal', tags: [], access: 'write', category: 'business' },
      'bench.v1.Items/Settle': {
        classification: 'restricted',
        tags: [],
        access: 'write',
        category: 'business',
      },
      'GET /metrics': { classification: 'internal', tags: [], access: 'read', category: 'metrics' },
    },
  }
}

const catalog = JSON.parse(readFileSync(shopCatalog, 'utf8'))
catalog.meta = { ...catalog.meta, description: `Example shop plus ${n} synthetic services (benchmark).` }
for (let i = 1; i <= n; i++) {
  const callee = name(i)
  const caller = name(i === 1 ? n : i - 1) // every service is granted to its predecessor, in a ring
  catalog.services[callee] = service(i)
  catalog.identities[identity(i)] = callee
  catalog.grants[callee] = {
    'GET /items/{id}': { [caller]: { purpose: 'sync', granted_by: team(i), ticket: `BENCH-${i}` } },
    'bench.v1.Items/Settle': {
      [caller]: { purpose: 'settlement', granted_by: team(i), ticket: `BENCH-S${i}` },
    },
  }
  if (i % 1000 === 0 || i === n) {
    catalog.identities[retiredIdentity(i)] = callee
    catalog.revoked[retiredIdentity(i)] = {
      revoked_at: time,
      reason: 'rotated (benchmark)',
      ticket: `BENCH-R${i}`,
    }
  }
  if (i % 10 === 0)
    catalog.human_access.roster[`dev-${i}@bench.example`] = { role: 'developer', team: team(i) }
}

const call = (from, to, operation, extra = {}) => ({
  subject: { type: 'service', spiffe_id: from, authenticated: true },
  connection: { tls: true, mtls: true, via_gateway: false, source_ip: '10.1.4.17' },
  target: { service: to, operation },
  time,
  ...extra,
})
const get = { method: 'GET', path: '/items/{id}' }
const mid = Math.ceil(n / 2)
const inputs = [
  {
    name: 'first service, granted read (masked)',
    input: call(identity(n), name(1), get, { purpose: 'sync' }),
    expect: { allow: true, reason_codes: ['grant_matched'] },
  },
  {
    name: 'middle service, granted read',
    input: call(identity(mid - 1), name(mid), get, { purpose: 'sync' }),
    expect: { allow: true, reason_codes: ['grant_matched'] },
  },
  {
    name: 'last service, granted read',
    input: call(identity(n - 1), name(n), get, { purpose: 'sync' }),
    expect: { allow: true, reason_codes: ['grant_matched'] },
  },
  {
    name: 'last service, restricted settle with purpose',
    input: call(identity(n - 1), name(n), { rpc: 'bench.v1.Items/Settle' }, { purpose: 'settlement' }),
    expect: { allow: true, reason_codes: ['grant_matched'] },
  },
  {
    name: 'middle service, no grant',
    input: call(identity(mid + 1), name(mid), get),
    expect: { allow: false, reason_codes: ['no_grant'] },
  },
  {
    name: 'revoked identity',
    input: call(retiredIdentity(n), name(1), get),
    expect: { allow: false, reason_codes: ['identity_revoked'] },
  },
  {
    name: 'shop: orders charges payments',
    input: call(
      'spiffe://shop.example/ns/prod/sa/orders',
      'payments',
      { rpc: 'payments.v1.Payments/Charge' },
      {
        purpose: 'checkout',
      },
    ),
    expect: { allow: true, reason_codes: ['grant_matched'] },
  },
]

const bundle = join(out, 'bundle')
mkdirSync(join(bundle, 'clearance/catalog'), { recursive: true })
mkdirSync(join(bundle, 'clearance/authz'), { recursive: true })
writeFileSync(join(bundle, 'clearance/catalog/data.json'), JSON.stringify(catalog))
for (const file of readdirSync(policyDir)) {
  if (file.endsWith('.rego') && !file.endsWith('_test.rego'))
    copyFileSync(join(policyDir, file), join(bundle, 'clearance/authz', file))
}
writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(inputs, null, 2)}\n`)
console.log(`${out}: ${Object.keys(catalog.services).length} services, ${inputs.length} inputs`)
