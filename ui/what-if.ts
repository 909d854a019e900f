// What if…: the page builds a decision input from the chosen caller, callee, operation and connection facts, asks
// POST /v1/check — the same route a service asks — and shows the answer with its reasons and obligations.
import type { ServiceGraph } from '../engine/service-map/catalog-graph.js'
import { check } from './api.js'
import { byId, h } from './dom.js'

const UNKNOWN_CALLER = 'unknown:service'

function option(value: string, label: string): HTMLOptionElement {
  const element = document.createElement('option')
  element.value = value
  element.textContent = label
  return element
}

/** Each service's first identity, computed once per graph (a search per service would be quadratic). */
const firstIdentities = new WeakMap<ServiceGraph, Map<string, string>>()
function identityOf(graph: ServiceGraph, service: string): string | undefined {
  let identities = firstIdentities.get(graph)
  if (identities === undefined) {
    identities = new Map()
    for (const [identity, name] of Object.entries(graph.identities)) {
      if (!identities.has(name)) identities.set(name, identity)
    }
    firstIdentities.set(graph, identities)
  }
  return identities.get(service)
}

export function operationInput(key: string): Record<string, string> {
  const match = /^([A-Z]+) (\/.*)$/.exec(key)
  return match === null ? { rpc: key } : { method: match[1]!, path: match[2]! }
}

export class WhatIf {
  private graph: ServiceGraph | undefined
  private readonly caller = byId<HTMLSelectElement>('wi-caller')
  private readonly callee = byId<HTMLSelectElement>('wi-callee')
  private readonly operation = byId<HTMLSelectElement>('wi-operation')
  private readonly result = byId<HTMLElement>('whatif-result')

  constructor() {
    this.callee.addEventListener('change', () => this.fillOperations())
    byId<HTMLFormElement>('whatif').addEventListener('submit', (event) => {
      event.preventDefault()
      void this.ask()
    })
  }

  show(graph: ServiceGraph): void {
    const previous = { caller: this.caller.value, callee: this.callee.value, operation: this.operation.value }
    this.graph = graph
    const services = graph.services.filter((s) => s.kind === 'service')
    this.caller.replaceChildren(
      ...services.filter((s) => identityOf(graph, s.id) !== undefined).map((s) => option(s.id, s.name)),
      ...graph.services.filter((s) => s.kind === 'people').map((s) => option(s.id, `person: ${s.name}`)),
      option(UNKNOWN_CALLER, 'an identity not in the catalog'),
    )
    this.callee.replaceChildren(...services.map((s) => option(s.id, s.name)))
    if (previous.caller) this.caller.value = previous.caller
    if (previous.callee) this.callee.value = previous.callee
    this.fillOperations()
    if (previous.operation) this.operation.value = previous.operation
  }

  /** Presets the form from a selected edge. */
  preset(from: string, to: string): void {
    if ([...this.caller.options].some((o) => o.value === from)) this.caller.value = from
    if ([...this.callee.options].some((o) => o.value === to)) {
      this.callee.value = to
      this.fillOperations()
    }
  }

  private fillOperations(): void {
    const service = this.graph?.services.find((s) => s.id === this.callee.value)
    this.operation.replaceChildren(
      ...(service?.operations ?? []).map((op) => option(op.name, `${op.name} (${op.classification})`)),
    )
  }

  input(): Record<string, unknown> {
    const graph = this.graph!
    const checked = (id: string) => byId<HTMLInputElement>(id).checked
    const authenticated = checked('wi-authenticated')
    const caller = this.caller.value
    let subject: Record<string, unknown>
    if (caller.startsWith('role:')) {
      const role = caller.slice('role:'.length)
      const member = Object.entries(graph.roster).find(([, r]) => r === role)?.[0] ?? 'carol@example.net'
      subject = { type: 'user', id: member, roles: [role], authenticated }
    } else {
      const identity =
        caller === UNKNOWN_CALLER
          ? 'spiffe://unknown.example/ns/what-if/sa/stranger'
          : identityOf(graph, caller)!
      subject = identity.startsWith('sha256:')
        ? { type: 'service', cert_fingerprint: identity, authenticated }
        : { type: 'service', spiffe_id: identity, authenticated }
    }
    const viaGateway = checked('wi-via-gateway')
    const gateway = graph.services.find((s) => s.gateway)
    const gatewayId = gateway === undefined ? undefined : identityOf(graph, gateway.id)
    const purpose = byId<HTMLInputElement>('wi-purpose').value.trim()
    return {
      subject,
      connection: {
        tls: checked('wi-tls'),
        mtls: checked('wi-mtls'),
        via_gateway: viaGateway,
        ...(viaGateway && gatewayId !== undefined ? { gateway_id: gatewayId } : {}),
        source_ip: byId<HTMLInputElement>('wi-source-ip').value.trim(),
      },
      target: { service: this.callee.value, operation: operationInput(this.operation.value) },
      ...(purpose === '' ? {} : { purpose }),
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    }
  }

  private async ask(): Promise<void> {
    this.result.replaceChildren(h('p', { class: 'hint' }, 'Asking…'))
    try {
      const { status, body } = await check(this.input())
      if (status !== 200 || body.allow === undefined) {
        this.result.replaceChildren(
          h('p', { class: 'verdict deny', 'data-verdict': 'error' }, `${status} ${body.code ?? ''}`),
          h('p', {}, body.message ?? ''),
          h(
            'ul',
            { class: 'reasons' },
            ...(body.errors ?? []).map((e) => h('li', {}, h('code', {}, e.code), ` ${e.message}`)),
          ),
        )
        return
      }
      this.result.replaceChildren(
        h(
          'p',
          {
            class: `verdict ${body.allow ? 'allow' : 'deny'}`,
            'data-verdict': body.allow ? 'allow' : 'deny',
          },
          body.allow ? 'allowed' : 'denied',
        ),
        h(
          'ul',
          { class: 'reasons' },
          ...(body.reasons ?? []).map((r) =>
            h('li', { 'data-code': r.code }, h('code', {}, r.code), ` ${r.message}`),
          ),
        ),
        h(
          'p',
          {},
          'obligations: ',
          h('code', { class: 'obligations' }, JSON.stringify(body.obligations ?? [])),
        ),
        h('p', { class: 'hint' }, `decision ${body.decision_id ?? ''}`),
      )
    } catch (error) {
      this.result.replaceChildren(
        h('p', { class: 'verdict deny' }, `request failed: ${(error as Error).message}`),
      )
    }
  }
}
