// The details of what is selected on the map: a service's data and grants, or an edge's grants, and the recent
// decisions on it as the server kept them (masked server-side: a masked field never reaches the page).
import type { MapEdge, MapService } from '../engine/service-map/catalog-graph.js'
import type { MapSnapshot } from '../engine/service-map/map-source.js'
import type { RecentDecision } from '../engine/service-map/traffic-aggregator.js'
import { fetchDecisions } from './api.js'
import { h } from './dom.js'
import type { Selection } from './map-view.js'
import type { EdgeTotals } from './traffic-window.js'

const cls = (classification: string | undefined): HTMLElement =>
  h('span', { class: `cls-${classification ?? 'public'}` }, classification ?? '—')

function grantsTable(edge: MapEdge): HTMLElement {
  return h(
    'table',
    {},
    h(
      'tr',
      {},
      h('th', {}, 'operation'),
      h('th', {}, 'data'),
      h('th', {}, 'purpose'),
      h('th', {}, 'granted by'),
    ),
    ...edge.grants.map((g) =>
      h(
        'tr',
        { class: g.expired ? 'expired' : '' },
        h('td', {}, h('code', {}, g.operation)),
        h('td', {}, cls(g.classification)),
        h('td', {}, g.purpose ?? '—'),
        h(
          'td',
          {},
          `${g.grantedBy ?? '—'} ${g.ticket ?? ''}`,
          g.expiresAt ? ` · ${g.expired ? 'expired' : 'until'} ${g.expiresAt}` : '',
        ),
      ),
    ),
  )
}

function decisionsList(decisions: RecentDecision[]): HTMLElement {
  if (decisions.length === 0) return h('p', { class: 'hint' }, 'No decisions on it since this page opened.')
  return h(
    'ol',
    { class: 'decisions' },
    ...decisions.map((d) =>
      h(
        'li',
        { 'data-decision-id': d.decision_id },
        h('span', { class: `verdict ${d.allow ? 'allow' : 'deny'}` }, d.allow ? 'allow' : 'deny'),
        ' ',
        d.operation ? h('code', {}, d.operation) : '',
        d.purpose ? ` for ${d.purpose}` : '',
        d.shadow && d.shadow !== 'unchanged' ? ` · shadow: ${d.shadow.replace('_', ' ')}` : '',
        h(
          'ul',
          { class: 'reasons' },
          ...d.reasons.map((r) => h('li', {}, h('code', {}, r.code), ` ${r.message}`)),
        ),
        d.obligations.length > 0
          ? h('div', {}, 'obligations: ', h('code', {}, JSON.stringify(d.obligations)))
          : '',
        d.masked ? h('div', { class: 'id' }, `masked: ${d.masked.join(', ')}`) : '',
        h('div', { class: 'id' }, `${d.time} · decision ${d.decision_id || '(failed: no id)'}`),
      ),
    ),
  )
}

function trafficLine(total: EdgeTotals | undefined): HTMLElement {
  return h(
    'p',
    {},
    total === undefined
      ? 'No traffic in the window.'
      : `In the window: ${total.allow} allowed, ${total.deny} denied${total.kind === 'declared' ? '' : ` — ${total.kind === 'undeclared' ? 'observed, not declared in the catalog' : 'allowed by a rule, not by a grant'}`}.`,
  )
}

function serviceInfo(service: MapService, snapshot: MapSnapshot): HTMLElement[] {
  const edgesIn = snapshot.graph.edges.filter((e) => e.to === service.id)
  const edgesOut = snapshot.graph.edges.filter((e) => e.from === service.id)
  const out: HTMLElement[] = [
    h('h3', {}, `${service.kind === 'people' ? 'People' : 'Service'} ${service.name}`),
    h(
      'p',
      {},
      `zone ${service.zone}`,
      service.team ? ` · team ${service.team}` : '',
      ' · highest classification ',
      cls(service.classification),
      ...service.tags.map((t) => h('span', { class: 'tag' }, t)),
    ),
  ]
  if (service.description) out.push(h('p', { class: 'hint' }, service.description))
  if (service.members) out.push(h('p', {}, `members: ${service.members.join(', ') || 'none'}`))
  if (service.production) out.push(h('p', {}, `production: ${service.production}`))
  if (service.operations.length > 0) {
    out.push(
      h('h3', {}, 'Operations'),
      h(
        'table',
        {},
        ...service.operations.map((op) =>
          h(
            'tr',
            {},
            h('td', {}, h('code', {}, op.name)),
            h('td', {}, cls(op.classification)),
            h('td', {}, ...op.tags.map((t) => h('span', { class: 'tag' }, t))),
          ),
        ),
      ),
    )
  }
  for (const revoked of service.revoked) {
    out.push(
      h(
        'p',
        { class: 'cls-restricted' },
        `⊘ revoked ${revoked.identity}: ${revoked.reason} (${revoked.ticket ?? ''})`,
      ),
    )
  }
  for (const [title, edges] of [
    ['Grants to it', edgesIn],
    ['Grants it holds', edgesOut],
  ] as const) {
    if (edges.length === 0) continue
    out.push(h('h3', {}, title))
    for (const edge of edges) {
      out.push(
        h(
          'p',
          {},
          h('strong', {}, `${edge.from} → ${edge.to}`),
          edge.deny ? ` ✕ denied: ${edge.deny.reason}` : '',
        ),
      )
      if (edge.grants.length > 0) out.push(grantsTable(edge))
    }
  }
  return out
}

export async function renderDetails(
  target: HTMLElement,
  selection: Selection,
  snapshot: MapSnapshot | undefined,
  totals: Map<string, EdgeTotals>,
): Promise<void> {
  if (selection === undefined || snapshot === undefined) return
  const parts: HTMLElement[] = []
  let edgeIds: string[]
  if (selection.kind === 'node') {
    const service = snapshot.graph.services.find((s) => s.id === selection.id)
    if (service !== undefined) parts.push(...serviceInfo(service, snapshot))
    else parts.push(h('h3', {}, `Not in the catalog: ${selection.id.replace(/^unknown:/, '')}`))
    edgeIds = [...totals.values()]
      .filter((t) => t.to === selection.id || t.from === selection.id)
      .map((t) => t.id)
  } else {
    const edge = snapshot.graph.edges.find((e) => e.id === selection.id)
    const total = totals.get(selection.id)
    const [from, to] = edge ? [edge.from, edge.to] : [total?.from ?? '?', total?.to ?? '?']
    parts.push(h('h3', {}, `${total?.labels[from] ?? from} → ${total?.labels[to] ?? to}`), trafficLine(total))
    if (edge?.deny)
      parts.push(
        h(
          'p',
          { class: 'cls-restricted' },
          `✕ explicit deny: ${edge.deny.reason} (${edge.deny.ticket ?? ''})`,
        ),
      )
    if (edge && edge.grants.length > 0) parts.push(h('h3', {}, 'Grants'), grantsTable(edge))
    if (!edge) parts.push(h('p', {}, 'No grant in the catalog covers this call.'))
    edgeIds = [selection.id]
  }
  parts.push(h('h3', {}, 'Recent decisions'))
  const decisions = (await Promise.all(edgeIds.slice(0, 10).map((id) => fetchDecisions(id).catch(() => []))))
    .flat()
    .sort((a, b) => b.time.localeCompare(a.time))
    .slice(0, 20)
  parts.push(decisionsList(decisions))
  target.replaceChildren(...parts)
}
