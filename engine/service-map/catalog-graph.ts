// The declared map read out of the catalog (data.clearance.catalog): zones, services with their data, grants as
// directed edges, allowed zone crossings, revocations, explicit denies and people's production access by role.
// Pure data in, plain JSON out: the server sends it to the page and `clearance map` draws it; nothing here
// evaluates policy, so a malformed part of the catalog is skipped rather than guessed at.

/** The zones the model names, in the order the map lays them out (outside in). */
export const ZONE_ORDER = ['internet', 'edge', 'internal', 'restricted', 'management'] as const
export const CLASSIFICATION_ORDER = ['public', 'internal', 'confidential', 'restricted'] as const

export interface MapOperation {
  name: string
  classification: string
  tags: string[]
}

export interface MapService {
  /** Node id: the catalog name, or `role:<name>` for people. */
  id: string
  name: string
  kind: 'service' | 'people'
  zone: string
  team?: string
  description?: string
  /** Highest classification among its operations (public when it has none). */
  classification: string
  tags: string[]
  gateway: boolean
  operations: MapOperation[]
  /** Identities of this service that are revoked, with why. */
  revoked: { identity: string; reason: string; ticket?: string }[]
  /** People: who holds the role, and what it opens in production. */
  members?: string[]
  production?: string
}

export interface MapGrant {
  operation: string
  purpose?: string
  grantedBy?: string
  ticket?: string
  expiresAt?: string
  expired: boolean
  classification?: string
}

export interface MapEdge {
  /** `<caller>><callee>`: one edge per ordered pair of nodes. */
  id: string
  from: string
  to: string
  grants: MapGrant[]
  /** An explicit deny of the caller by the callee. */
  deny?: { reason: string; by?: string; ticket?: string }
  /** Every grant on the edge has expired. */
  expired: boolean
}

export interface MapBoundary {
  from: string
  to: string
  requires: string[]
  description?: string
}

export interface MapZone {
  name: string
  description?: string
}

export interface ServiceGraph {
  name: string
  zones: MapZone[]
  services: MapService[]
  edges: MapEdge[]
  boundaries: MapBoundary[]
  /** Every catalog identity (SPIFFE id or certificate fingerprint) → service, for attributing traffic. */
  identities: Record<string, string>
  /** Roster user id → role, for attributing people's traffic. */
  roster: Record<string, string>
  /** Roles whose holders are end users (customers through the gateway). */
  endUserRoles: string[]
}

/** The line under a node's name: team, highest classification and tags (people: who and their clearance). */
export function nodeMeta(service: MapService): string {
  if (service.kind === 'people') {
    const who = service.members?.length ? `${service.members.length} on the roster` : 'end users'
    return `${who} · clearance ${service.classification}`
  }
  const tags = service.tags.length > 0 ? ` · ${service.tags.join(' ')}` : ''
  return `${service.gateway ? 'gateway · ' : ''}${service.team ?? 'no team'} · ${service.classification}${tags}`
}

export const edgeId = (from: string, to: string): string => `${from}>${to}`

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const entries = (value: unknown): [string, Json][] =>
  isObject(value) ? (Object.entries(value).filter(([, v]) => isObject(v)) as [string, Json][]) : []
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []

export function classificationRank(name: string): number {
  const rank = (CLASSIFICATION_ORDER as readonly string[]).indexOf(name)
  return rank < 0 ? 0 : rank
}

function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key]
  return value
}

/**
 * Reads the catalog into the map's graph. `now` (RFC 3339, UTC) decides which grants have expired; grant expiry
 * strings are compared as the policy compares them.
 */
export function catalogGraph(catalog: unknown, now: string = new Date().toISOString()): ServiceGraph {
  const root = isObject(catalog) ? catalog : {}
  const declaredZones = entries(root.zones)
  const zoneNames = [
    ...ZONE_ORDER.filter((z) => declaredZones.some(([name]) => name === z)),
    ...declaredZones
      .map(([name]) => name)
      .filter((name) => !(ZONE_ORDER as readonly string[]).includes(name)),
  ]
  const zoneDescriptions = new Map(declaredZones.map(([name, zone]) => [name, str(zone.description)]))
  const identities: Record<string, string> = {}
  for (const [identity, service] of Object.entries(isObject(root.identities) ? root.identities : {})) {
    if (typeof service === 'string') identities[identity] = service
  }
  const revokedBy = new Map<string, MapService['revoked']>()
  for (const [identity, entry] of entries(root.revoked)) {
    const service = identities[identity] ?? identity
    const list = revokedBy.get(service) ?? []
    list.push(defined({ identity, reason: str(entry.reason) ?? 'revoked', ticket: str(entry.ticket) }))
    revokedBy.set(service, list)
  }

  const services: MapService[] = []
  const operationClass = new Map<string, string>()
  for (const [name, service] of entries(root.services).sort(([a], [b]) => a.localeCompare(b))) {
    const operations: MapOperation[] = entries(service.operations).map(([op, spec]) => ({
      name: op,
      classification: str(spec.classification) ?? 'public',
      tags: strings(spec.tags),
    }))
    for (const op of operations) operationClass.set(`${name} ${op.name}`, op.classification)
    const highest = operations.reduce(
      (top, op) =>
        classificationRank(op.classification) > classificationRank(top) ? op.classification : top,
      'public',
    )
    const zone = str(service.zone) ?? 'internal'
    if (!zoneNames.includes(zone)) zoneNames.push(zone)
    services.push(
      defined({
        id: name,
        name,
        kind: 'service' as const,
        zone,
        team: str(service.team),
        description: str(service.description),
        classification: highest,
        tags: [...new Set(operations.flatMap((op) => op.tags))].sort(),
        gateway: service.gateway === true,
        operations,
        revoked: revokedBy.get(name) ?? [],
      }),
    )
  }

  const roster: Record<string, string> = {}
  const members = new Map<string, string[]>()
  const humans = isObject(root.human_access) ? root.human_access : {}
  for (const [user, entry] of entries(humans.roster)) {
    const role = str(entry.role)
    if (role === undefined) continue
    roster[user] = role
    members.set(role, [...(members.get(role) ?? []), user])
  }
  const endUserRoles: string[] = []
  for (const [role, spec] of entries(root.roles)) {
    if (spec.end_user === true) endUserRoles.push(role)
    const production = isObject(spec.production) ? spec.production : undefined
    const zone = spec.end_user === true ? 'internet' : 'management'
    if (!zoneNames.includes(zone)) zoneNames.push(zone)
    services.push(
      defined({
        id: `role:${role}`,
        name: spec.end_user === true ? `${role}s` : role,
        kind: 'people' as const,
        zone,
        description: str(spec.description),
        classification: str(spec.clearance) ?? 'public',
        tags: strings(spec.tags_allowed),
        gateway: false,
        operations: [],
        revoked: [],
        members: members.get(role) ?? [],
        production:
          production === undefined
            ? undefined
            : `${strings(production.access).join('/')} ${strings(production.categories).join(', ')}`,
      }),
    )
  }

  const edges = new Map<string, MapEdge>()
  const edgeFor = (from: string, to: string): MapEdge => {
    const id = edgeId(from, to)
    let edge = edges.get(id)
    if (edge === undefined) {
      edge = { id, from, to, grants: [], expired: false }
      edges.set(id, edge)
    }
    return edge
  }
  for (const [callee, operations] of entries(root.grants)) {
    for (const [operation, callers] of entries(operations)) {
      for (const [caller, grant] of entries(callers)) {
        const expiresAt = str(grant.expires_at)
        edgeFor(caller, callee).grants.push(
          defined({
            operation,
            purpose: str(grant.purpose),
            grantedBy: str(grant.granted_by),
            ticket: str(grant.ticket),
            expiresAt,
            expired: expiresAt !== undefined && expiresAt < now,
            classification: operationClass.get(`${callee} ${operation}`),
          }),
        )
      }
    }
  }
  for (const [callee, callers] of entries(root.denies)) {
    for (const [caller, deny] of entries(callers)) {
      edgeFor(caller, callee).deny = defined({
        reason: str(deny.reason) ?? 'denied',
        by: str(deny.by),
        ticket: str(deny.ticket),
      })
    }
  }
  for (const edge of edges.values()) {
    edge.grants.sort((a, b) => a.operation.localeCompare(b.operation))
    edge.expired = edge.grants.length > 0 && edge.grants.every((g) => g.expired)
  }

  const boundaries: MapBoundary[] = []
  for (const [from, targets] of entries(root.boundaries)) {
    for (const [to, spec] of entries(targets)) {
      boundaries.push(
        defined({ from, to, requires: strings(spec.requires), description: str(spec.description) }),
      )
    }
  }

  return {
    name: str(isObject(root.meta) ? root.meta.name : undefined) ?? 'catalog',
    zones: zoneNames.map((name) => defined({ name, description: zoneDescriptions.get(name) })),
    services,
    edges: [...edges.values()].sort((a, b) => a.id.localeCompare(b.id)),
    boundaries,
    identities,
    roster,
    endUserRoles,
  }
}
