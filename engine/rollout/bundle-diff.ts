// `clearance diff`: what changed between two bundles, in the security team's terms. The catalog
// (data.clearance.catalog) is compared entity by entity — services, identities, grants, classifications, zone
// crossings and their controls, revocations, explicit denies, human access — and the bundle's Rego modules file by
// file; any other data is compared by top-level document.
import type { Bundle } from '../bundle/index.js'
import { isRecord } from '../json/index.js'
import { sameJson } from './decision-change.js'

type Json = Record<string, unknown>

export interface GrantRef {
  callee: string
  operation: string
  caller: string
  purpose?: string | undefined
  expires_at?: string | undefined
  ticket?: string | undefined
}

export interface Change<T> {
  added: T[]
  removed: T[]
  changed: Array<T & { changes: string[] }>
}

export interface BundleDiff {
  old: { location: string; revisions: Record<string, string> }
  new: { location: string; revisions: Record<string, string> }
  services: Change<{ service: string }>
  identities: Change<{ identity: string; service: string }>
  grants: Change<GrantRef>
  classifications: {
    raised: Array<{ service: string; operation: string; from: string; to: string }>
    lowered: Array<{ service: string; operation: string; from: string; to: string }>
  }
  operations: Change<{ service: string; operation: string }>
  zone_crossings: Change<{ from: string; to: string; requires: string[] }>
  revocations: Change<{ identity: string; reason?: string | undefined }>
  denies: Change<{ callee: string; caller: string; reason?: string | undefined }>
  humans: Change<{ user: string; role?: string | undefined }>
  /** Top-level data documents outside the catalog that changed. */
  data: Change<{ path: string }>
  modules: Change<{ path: string }>
  /** True when nothing differs but the revision. */
  identical: boolean
}

const obj = (value: unknown): Json => (isRecord(value) ? value : {})
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').sort() : []

function emptyChange<T>(): Change<T> {
  return { added: [], removed: [], changed: [] }
}

/** Compares two keyed collections: `describe` names the changes of an entry present in both. */
function compareKeyed<T>(
  before: Json,
  after: Json,
  ref: (key: string, value: Json) => T,
  describe: (a: Json, b: Json) => string[],
): Change<T> {
  const change = emptyChange<T>()
  for (const key of Object.keys(after).sort()) {
    if (!Object.hasOwn(before, key)) change.added.push(ref(key, obj(after[key])))
  }
  for (const key of Object.keys(before).sort()) {
    if (!Object.hasOwn(after, key)) {
      change.removed.push(ref(key, obj(before[key])))
      continue
    }
    const changes = describe(obj(before[key]), obj(after[key]))
    if (changes.length > 0) change.changed.push({ ...ref(key, obj(after[key])), changes })
  }
  return change
}

function fieldChanges(a: Json, b: Json, fields: readonly string[]): string[] {
  const changes: string[] = []
  for (const field of fields) {
    if (!sameJson(a[field], b[field])) {
      changes.push(`${field}: ${JSON.stringify(a[field] ?? null)} → ${JSON.stringify(b[field] ?? null)}`)
    }
  }
  return changes
}

function listChanges(label: string, a: unknown, b: unknown): string[] {
  const before = new Set(strings(a))
  const after = new Set(strings(b))
  const added = [...after].filter((x) => !before.has(x))
  const removed = [...before].filter((x) => !after.has(x))
  const out: string[] = []
  if (added.length > 0) out.push(`${label} added: ${added.join(', ')}`)
  if (removed.length > 0) out.push(`${label} removed: ${removed.join(', ')}`)
  return out
}

/** The catalog in a data document (data.clearance.catalog), or undefined. */
export function catalogOf(data: unknown): Json | undefined {
  const catalog = obj(obj(data).clearance).catalog
  return isRecord(catalog) ? catalog : undefined
}

function flattenGrants(grants: Json): Map<string, GrantRef> {
  const flat = new Map<string, GrantRef>()
  for (const [callee, operations] of Object.entries(obj(grants))) {
    for (const [operation, callers] of Object.entries(obj(operations))) {
      for (const [caller, grant] of Object.entries(obj(callers))) {
        const g = obj(grant)
        flat.set(JSON.stringify([callee, operation, caller]), {
          callee,
          operation,
          caller,
          purpose: str(g.purpose),
          expires_at: str(g.expires_at),
          ticket: str(g.ticket),
        })
      }
    }
  }
  return flat
}

function compareGrants(before: Json, after: Json): Change<GrantRef> {
  const a = flattenGrants(before)
  const b = flattenGrants(after)
  const change = emptyChange<GrantRef>()
  for (const [key, grant] of b) if (!a.has(key)) change.added.push(grant)
  for (const [key, grant] of a) {
    const next = b.get(key)
    if (next === undefined) {
      change.removed.push(grant)
      continue
    }
    const changes = fieldChanges(grant as unknown as Json, next as unknown as Json, [
      'purpose',
      'expires_at',
      'ticket',
    ])
    if (changes.length > 0) change.changed.push({ ...next, changes })
  }
  return change
}

function flattenPairs(
  doc: Json,
  ref: (outer: string, inner: string, value: Json) => unknown,
): Map<string, { value: Json; ref: unknown }> {
  const flat = new Map<string, { value: Json; ref: unknown }>()
  for (const [outer, inner] of Object.entries(obj(doc))) {
    for (const [key, value] of Object.entries(obj(inner))) {
      flat.set(JSON.stringify([outer, key]), { value: obj(value), ref: ref(outer, key, obj(value)) })
    }
  }
  return flat
}

function comparePairs<T>(
  before: Json,
  after: Json,
  ref: (outer: string, inner: string, value: Json) => T,
  describe: (a: Json, b: Json) => string[],
): Change<T> {
  const a = flattenPairs(before, ref)
  const b = flattenPairs(after, ref)
  const change = emptyChange<T>()
  for (const [key, entry] of b) if (!a.has(key)) change.added.push(entry.ref as T)
  for (const [key, entry] of a) {
    const next = b.get(key)
    if (next === undefined) change.removed.push(entry.ref as T)
    else {
      const changes = describe(entry.value, next.value)
      if (changes.length > 0) change.changed.push({ ...(next.ref as T), changes })
    }
  }
  return change
}

function rank(catalog: Json, classification: unknown): number {
  const value = obj(obj(catalog.classifications)[String(classification)]).rank
  return typeof value === 'number' ? value : -1
}

function compareCatalogs(
  a: Json,
  b: Json,
): Omit<BundleDiff, 'old' | 'new' | 'data' | 'modules' | 'identical'> {
  const services = compareKeyed(
    obj(a.services),
    obj(b.services),
    (service) => ({ service }),
    (x, y) => [
      ...fieldChanges(x, y, ['zone', 'team', 'clearance', 'same_team_access', 'gateway']),
      ...listChanges('identities', x.identities, y.identities),
      ...listChanges('tags allowed', x.tags_allowed, y.tags_allowed),
    ],
  )
  const identities = compareKeyed(
    obj(a.identities),
    obj(b.identities),
    (identity) => ({
      identity,
      service: str(obj(b.identities)[identity] ?? obj(a.identities)[identity]) ?? '',
    }),
    () => [],
  )
  // an identity that moved to another service is a change of the identity, not an add and a remove
  for (const [identity, service] of Object.entries(obj(a.identities))) {
    const next = obj(b.identities)[identity]
    if (next !== undefined && next !== service) {
      identities.changed.push({
        identity,
        service: String(next),
        changes: [`service: ${JSON.stringify(service)} → ${JSON.stringify(next)}`],
      })
    }
  }
  const operationsOf = (catalog: Json): Json => {
    const all: Json = {}
    for (const [service, spec] of Object.entries(obj(catalog.services))) {
      for (const [operation, op] of Object.entries(obj(obj(spec).operations))) {
        all[JSON.stringify([service, operation])] = op
      }
    }
    return all
  }
  const classifications: BundleDiff['classifications'] = { raised: [], lowered: [] }
  const operations = compareKeyed(
    operationsOf(a),
    operationsOf(b),
    (key) => {
      const [service, operation] = JSON.parse(key) as [string, string]
      return { service, operation }
    },
    (x, y) =>
      fieldChanges(x, y, ['tags', 'access', 'category', 'exposed', 'anonymous', 'mask', 'owner_field']),
  )
  const before = operationsOf(a)
  for (const [key, op] of Object.entries(operationsOf(b))) {
    const previous = before[key]
    if (previous === undefined) continue
    const from = obj(previous).classification
    const to = obj(op).classification
    if (from === to) continue
    const [service, operation] = JSON.parse(key) as [string, string]
    const entry = { service, operation, from: String(from), to: String(to) }
    if (rank(b, to) > rank(a, from)) classifications.raised.push(entry)
    else classifications.lowered.push(entry)
  }
  return {
    services,
    identities,
    grants: compareGrants(obj(a.grants), obj(b.grants)),
    classifications,
    operations,
    zone_crossings: comparePairs(
      obj(a.boundaries),
      obj(b.boundaries),
      (from, to, value) => ({ from, to, requires: strings(value.requires) }),
      (x, y) => [
        ...listChanges('controls', x.requires, y.requires),
        ...listChanges('permissive controls', x.permissive, y.permissive),
        ...fieldChanges(x, y, ['audit', 'rate_limit']),
      ],
    ),
    revocations: compareKeyed(
      obj(a.revoked),
      obj(b.revoked),
      (identity, value) => ({ identity, reason: str(value.reason) }),
      (x, y) => fieldChanges(x, y, ['revoked_at', 'reason', 'ticket']),
    ),
    denies: comparePairs(
      obj(a.denies),
      obj(b.denies),
      (callee, caller, value) => ({ callee, caller, reason: str(value.reason) }),
      (x, y) => fieldChanges(x, y, ['reason', 'ticket']),
    ),
    humans: compareKeyed(
      obj(obj(a.human_access).roster),
      obj(obj(b.human_access).roster),
      (user, value) => ({ user, role: str(value.role) }),
      (x, y) => fieldChanges(x, y, ['role', 'team']),
    ),
  }
}

const PACKAGE = /^package\s+([^\s#]+)/m

/**
 * Rego source files, named by package and file name ("clearance.authz/grants.rego"): the paths in a bundle start
 * with the folder it was built from, which differs between two checkouts of the same repository.
 */
export function regoModules(files: ReadonlyMap<string, Uint8Array>): Map<string, string> {
  const modules = new Map<string, string>()
  for (const [path, bytes] of files) {
    if (!path.endsWith('.rego')) continue
    const text = Buffer.from(bytes).toString('utf8')
    const name = path.slice(path.lastIndexOf('/') + 1)
    const pkg = PACKAGE.exec(text)?.[1]
    modules.set(pkg === undefined ? path.replace(/^\/+/, '') : `${pkg}/${name}`, text)
  }
  return modules
}

export interface DiffSide {
  location: string
  bundles: readonly Bundle[]
  files: ReadonlyArray<ReadonlyMap<string, Uint8Array>>
}

function mergedData(bundles: readonly Bundle[]): Json {
  const data: Json = {}
  for (const bundle of bundles) Object.assign(data, bundle.data)
  return data
}

export function diffBundles(before: DiffSide, after: DiffSide): BundleDiff {
  const dataA = mergedData(before.bundles)
  const dataB = mergedData(after.bundles)
  const catalog = compareCatalogs(catalogOf(dataA) ?? {}, catalogOf(dataB) ?? {})
  // everything but the catalog, by top-level path
  const outside = (data: Json): Json => {
    const rest: Json = {}
    for (const [key, value] of Object.entries(data)) {
      if (key !== 'clearance') rest[key] = value
      else
        for (const [inner, v] of Object.entries(obj(value)))
          if (inner !== 'catalog') rest[`clearance/${inner}`] = v
    }
    return rest
  }
  const data = compareKeyed(
    outside(dataA),
    outside(dataB),
    (path) => ({ path }),
    (x, y) => (sameJson(x, y) ? [] : ['changed']),
  )
  const modulesOf = (side: DiffSide): Json => {
    const all: Json = {}
    for (const files of side.files) for (const [path, text] of regoModules(files)) all[path] = { text }
    return all
  }
  const modules = compareKeyed(
    modulesOf(before),
    modulesOf(after),
    (path) => ({ path }),
    (x, y) => (x.text === y.text ? [] : ['changed']),
  )
  const revisions = (bundles: readonly Bundle[]): Record<string, string> =>
    Object.fromEntries(bundles.map((b) => [b.name, b.manifest.revision]))
  const diff: BundleDiff = {
    old: { location: before.location, revisions: revisions(before.bundles) },
    new: { location: after.location, revisions: revisions(after.bundles) },
    ...catalog,
    data,
    modules,
    identical: false,
  }
  diff.identical = countChanges(diff) === 0
  return diff
}

/** How many entries the diff lists. */
export function countChanges(diff: BundleDiff): number {
  let total = diff.classifications.raised.length + diff.classifications.lowered.length
  for (const part of [
    diff.services,
    diff.identities,
    diff.grants,
    diff.operations,
    diff.zone_crossings,
    diff.revocations,
    diff.denies,
    diff.humans,
    diff.data,
    diff.modules,
  ] as Array<Change<unknown>>) {
    total += part.added.length + part.removed.length + part.changed.length
  }
  return total
}
