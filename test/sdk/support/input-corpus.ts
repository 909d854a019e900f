// Decision inputs generated from the policy library's catalog with a seeded PRNG: random callers (catalogued,
// revoked, unknown services; roster staff, customers, anonymous visitors), targets and operations (catalogued and
// not), transport flags, data tags, purposes and times. Every input is valid per the input schema, so each one
// reaches the policy rather than the schema check.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { seededRandom } from '../../helpers/seeded-random.js'

const ROOT = join(import.meta.dirname, '..', '..', '..')

interface Catalog {
  identities: Record<string, string>
  revoked: Record<string, unknown>
  services: Record<
    string,
    {
      identities: string[]
      operations: Record<string, { exposed?: boolean; anonymous?: boolean; category?: string }>
    }
  >
  grants: Record<string, Record<string, Record<string, { purpose: string }>>>
  human_access: { management_hosts: Record<string, unknown>; roster: Record<string, { role: string }> }
  roles: Record<string, unknown>
}

export function readCatalog(): Catalog {
  return JSON.parse(
    readFileSync(join(ROOT, 'policies', 'clearance', 'catalog', 'data.json'), 'utf8'),
  ) as Catalog
}

export function readInputSchema(): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'policies', 'schema', 'input.schema.json'), 'utf8'))
}

export function generateInputs(count: number, seed: number): Array<Record<string, unknown>> {
  const catalog = readCatalog()
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const chance = (p: number): boolean => random() < p
  const hex = (length: number): string =>
    Array.from({ length }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('')

  const identities = Object.keys(catalog.identities)
  const gatewayIds = identities.filter((id) => catalog.identities[id] === 'gateway')
  const services = Object.keys(catalog.services)
  const purposes = [
    ...new Set(
      Object.values(catalog.grants).flatMap((byOperation) =>
        Object.values(byOperation).flatMap((byCaller) =>
          Object.values(byCaller).map((grant) => grant.purpose),
        ),
      ),
    ),
  ]
  const roster = Object.keys(catalog.human_access.roster)
  const roles = Object.keys(catalog.roles)
  const managementHosts = Object.keys(catalog.human_access.management_hosts)
  const times = [
    '2025-06-01T12:00:00Z',
    '2027-01-15T08:30:00Z',
    '2025-06-01T12:00:00.250Z',
    '2024-12-31T23:59:59Z',
  ]

  const serviceSubject = (): Record<string, unknown> => {
    const roll = random()
    const authenticated = chance(0.9)
    if (roll < 0.8) {
      const id = pick(identities)
      return id.startsWith('sha256:')
        ? { type: 'service', cert_fingerprint: id, authenticated }
        : { type: 'service', spiffe_id: id, authenticated }
    }
    if (roll < 0.9) {
      return { type: 'service', spiffe_id: `spiffe://shop.example/ns/prod/sa/ghost-${hex(4)}`, authenticated }
    }
    return { type: 'service', cert_fingerprint: `sha256:${hex(64)}`, authenticated }
  }

  const userSubject = (): Record<string, unknown> => {
    const roll = random()
    if (roll < 0.25)
      return chance(0.5)
        ? { type: 'user', authenticated: false }
        : { type: 'user', authenticated: false, roles: [] }
    if (roll < 0.55) {
      const id = pick(roster)
      const role = chance(0.8) ? catalog.human_access.roster[id]!.role : pick(roles)
      return { type: 'user', id, roles: [role], authenticated: chance(0.9) }
    }
    return {
      type: 'user',
      id: `shopper-${hex(6)}@example.net`,
      roles: chance(0.85) ? ['customer'] : [pick(roles)],
      authenticated: chance(0.9),
    }
  }

  const operationOf = (service: string): Record<string, unknown> => {
    const known = Object.keys(catalog.services[service]?.operations ?? {})
    const key =
      known.length > 0 && chance(0.92)
        ? pick(known)
        : chance(0.5)
          ? 'GET /nowhere/{id}'
          : 'ghost.v1.Ghost/Haunt'
    return operationInput(key)
  }

  const operationInput = (key: string): Record<string, unknown> => {
    const space = key.indexOf(' ')
    return space > 0 ? { method: key.slice(0, space), path: key.slice(space + 1) } : { rpc: key }
  }
  const grants = Object.entries(catalog.grants).flatMap(([service, byOperation]) =>
    Object.entries(byOperation).flatMap(([operation, byCaller]) =>
      Object.entries(byCaller).map(([caller, grant]) => ({
        service,
        operation,
        caller,
        purpose: grant.purpose,
      })),
    ),
  )
  const exposed = Object.entries(catalog.services).flatMap(([service, { operations }]) =>
    Object.entries(operations)
      .filter(([, operation]) => operation.exposed === true)
      .map(([operation, { anonymous }]) => ({ service, operation, anonymous: anonymous === true })),
  )
  const staffOperations = Object.entries(catalog.services).flatMap(([service, { operations }]) =>
    Object.keys(operations).map((operation) => ({ service, operation })),
  )

  // Requests shaped like real traffic (a granted call, a customer through the gateway, an operator on a bastion),
  // so allows are common; one detail in four is then knocked off course.
  const grounded = (): Record<string, unknown> => {
    const roll = random()
    if (roll < 0.55) {
      const grant = pick(grants)
      const identity = pick(catalog.services[grant.caller]?.identities ?? identities)
      const input: Record<string, unknown> = {
        subject: identity.startsWith('sha256:')
          ? { type: 'service', cert_fingerprint: identity, authenticated: !chance(0.05) }
          : { type: 'service', spiffe_id: identity, authenticated: !chance(0.05) },
        connection: { tls: true, mtls: !chance(0.15), via_gateway: false, source_ip: '10.1.4.17' },
        target: { service: grant.service, operation: operationInput(grant.operation) },
        time: chance(0.85) ? times[0]! : pick(times),
      }
      if (!chance(0.15)) input.purpose = chance(0.9) ? grant.purpose : pick(purposes)
      return input
    }
    if (roll < 0.8) {
      const target = pick(exposed)
      const anonymous = target.anonymous && chance(0.5)
      return {
        subject: anonymous
          ? { type: 'user', authenticated: false }
          : {
              type: 'user',
              id: `shopper-${hex(6)}@example.net`,
              roles: ['customer'],
              authenticated: !chance(0.1),
            },
        connection: {
          tls: !chance(0.05),
          mtls: !chance(0.1),
          via_gateway: true,
          gateway_id: chance(0.9) ? gatewayIds[0]! : pick(identities),
          source_ip: '203.0.113.7',
        },
        target: { service: target.service, operation: operationInput(target.operation) },
        time: times[0]!,
      }
    }
    const id = pick(roster)
    const target = pick(staffOperations)
    return {
      subject: {
        type: 'user',
        id,
        roles: [catalog.human_access.roster[id]!.role],
        authenticated: !chance(0.05),
      },
      connection: {
        tls: true,
        mtls: chance(0.5),
        via_gateway: false,
        source_ip: chance(0.85) ? pick(managementHosts) : '10.1.4.17',
      },
      target: { service: target.service, operation: operationInput(target.operation) },
      time: times[0]!,
    }
  }

  const inputs: Array<Record<string, unknown>> = []
  for (let i = 0; i < count; i++) {
    if (chance(0.55)) {
      inputs.push(grounded())
      continue
    }
    const user = chance(0.35)
    const subject = user ? userSubject() : serviceSubject()
    const viaGateway = user ? chance(0.7) : chance(0.1)
    const tls = chance(0.9)
    // The schema: without a gateway, mutual TLS implies TLS.
    const mtls = viaGateway ? chance(0.85) : tls && chance(0.75)
    const connection: Record<string, unknown> = {
      tls,
      mtls,
      via_gateway: viaGateway,
      source_ip: pick([
        ...managementHosts,
        '203.0.113.7',
        `10.1.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`,
        '2001:db8::17',
      ]),
    }
    if (viaGateway) connection.gateway_id = chance(0.85) ? pick(gatewayIds) : pick(identities)
    const service = chance(0.95) ? pick(services) : 'ghost'
    const input: Record<string, unknown> = {
      subject,
      connection,
      target: { service, operation: operationOf(service) },
      time: pick(times),
    }
    if (chance(0.6)) input.purpose = chance(0.9) ? pick(purposes) : 'curiosity'
    if (chance(0.3)) {
      const resource: Record<string, unknown> = {
        classification: pick(['public', 'internal', 'confidential', 'restricted']),
      }
      if (chance(0.7)) resource.tags = ['pii', 'pci', 'credentials'].filter(() => chance(0.4))
      input.resource = resource
    }
    if (chance(0.2)) input.context = { request_id: `req-${hex(8)}` }
    inputs.push(input)
  }
  return inputs
}
