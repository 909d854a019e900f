// Draws the map as one SVG document from the graph and its layout: the page inserts it and `clearance map --format
// svg` writes it, so both show the same picture. Everything the picture shows is SVG text (names, teams, tags,
// grants, crossings), readable by screen readers and tests. Browser-safe: this file imports only types.
import { type MapEdge, type MapService, nodeMeta, type ServiceGraph } from './catalog-graph.js'
import { LEGEND_LINE, legendSize, placeLegend } from './crossings-legend.js'
import { edgeCurves } from './edge-ports.js'
import { type Curve, createLabelPlacer } from './label-placer.js'
import { stretchLayout } from './layout-stretch.js'
import type { Box, MapLayout } from './map-layout.js'

/** A call seen in traffic that the declared map does not draw. */
export interface ObservedEdge {
  id: string
  from: string
  to: string
  /** undeclared: denied with no grant, or an unknown party; implicit: allowed by a rule that is not a grant. */
  kind: 'undeclared' | 'implicit'
  /** Labels of parties not in the catalog, by node id. */
  labels?: Record<string, string>
}

export interface SvgOptions {
  observed?: readonly ObservedEdge[]
  /** Adds tabindex and roles so every node and edge is a control (the page); off for files. */
  interactive?: boolean
  /**
   * outline: no edge labels and no meta lines — for a page showing the map so far out that they would be a few
   * pixels high (a thousand services); every node and edge keeps its full text as its accessible name.
   */
  detail?: 'full' | 'outline'
  /**
   * Width ÷ height of where the map is shown: a map wider than that is stretched downwards to fill it (zones and
   * rows moved apart, nodes kept their size). Unset: drawn as laid out.
   */
  aspect?: number
}

const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const STYLE = `
.zone rect{fill:#f6f7f9;stroke:#9aa3ad;stroke-width:1.5;rx:14}
.zone-internet rect{fill:#fdf3f3}.zone-edge rect{fill:#fff8ec}.zone-restricted rect{fill:#fbeff6}
.zone-management rect{fill:#f0f4fb}.zone-unknown rect{fill:#fff;stroke:#d12f2f;stroke-dasharray:6 4}
.zone-title{font:600 15px system-ui,sans-serif;fill:#37404a;text-transform:uppercase;letter-spacing:.06em}
.node rect{fill:#fff;stroke-width:2.5;rx:8}
.node .name{font:600 13.5px system-ui,sans-serif;fill:#1c2329}
.node .meta{font:11px system-ui,sans-serif;fill:#56616c}
.cls-public rect{stroke:#2e9d5b}.cls-internal rect{stroke:#2f6fd1}.cls-confidential rect{stroke:#e08a00}
.cls-restricted rect{stroke:#d12f2f;fill:#fff5f5}
.node.people rect{stroke-dasharray:4 3;fill:#fafbfc}
.node.unknown rect{stroke:#d12f2f;stroke-dasharray:5 3;fill:#fff0f0}
.node .badge{font:600 11px system-ui,sans-serif;fill:#b3261e}
.edge path{fill:none;stroke:#6b7682;stroke-width:1.6}
.edge text{font:11px system-ui,sans-serif;fill:#3d4750;paint-order:stroke;stroke:#fff;stroke-width:3px}
.edge.expired{opacity:.38}.edge.expired path{stroke-dasharray:3 4}
.edge.denied path{stroke:#b3261e;stroke-dasharray:7 4}.edge.denied text{fill:#b3261e}
.edge.undeclared path{stroke:#e0182d;stroke-width:3;stroke-dasharray:9 5}.edge.undeclared text{fill:#c0101f;font-weight:600}
.edge.implicit path{stroke:#8a6fd1;stroke-dasharray:2 4}
.edge.shadow-changed path{stroke:#7b2fd1;stroke-width:3.5}
.edge .traffic{font:600 11.5px system-ui,sans-serif;fill:#175c2f}
.edge .shadow{font:600 11px system-ui,sans-serif;fill:#7b2fd1}
.crossings text{font:12px system-ui,sans-serif;fill:#37404a}.crossings .head{font-weight:600}
.legend text{font:12px system-ui,sans-serif;fill:#37404a}
`

const round = (n: number): number => Math.round(n * 10) / 10
/** An edge label's line height and average character width (11px system-ui). */
const LINE = 13
const LABEL_CHAR_WIDTH = 6.1
/** How much more crossing an undeclared call's thick red line costs a label than crossing a grey one. */
const THICK_LINE = 3

/** The straight distance from an edge's start to its end, which orders label placement. */
const chord = (curve: Curve): number => Math.hypot(curve.q.x - curve.p.x, curve.q.y - curve.p.y)

const pathOf = (curve: Curve): string =>
  `M${round(curve.p.x)},${round(curve.p.y)} Q${round(curve.c.x)},${round(curve.c.y)} ${round(curve.q.x)},${round(curve.q.y)}`

/** "payments.v1.Payments/Charge" → "Charge": the method is what tells grants apart on one edge. */
export function shortOperation(operation: string): string {
  return /^[A-Z]+ \//.test(operation) ? operation : (operation.split('/').pop() ?? operation)
}

function grantLines(edge: MapEdge): string[] {
  const lines = edge.grants.map(
    (g) =>
      `${shortOperation(g.operation)}${g.purpose === undefined ? '' : ` · ${g.purpose}`}${g.expired ? ' (expired)' : ''}`,
  )
  if (edge.deny !== undefined)
    lines.unshift(`✕ denied: ${edge.deny.ticket ?? edge.deny.by ?? 'explicit deny'}`)
  return lines.length > 3 ? [...lines.slice(0, 2), `+${lines.length - 2} more`] : lines
}

function nodeLabel(service: MapService): string {
  if (service.kind === 'people') {
    return `People: ${service.name} in ${service.zone}${service.members?.length ? `: ${service.members.join(', ')}` : ''}${service.production === undefined ? '' : `; production ${service.production}`}`
  }
  const revoked = service.revoked.length > 0 ? `; ${service.revoked.length} revoked identity` : ''
  return `Service ${service.name} in zone ${service.zone}, team ${service.team ?? 'none'}, highest classification ${service.classification}${service.tags.length > 0 ? `, tags ${service.tags.join(', ')}` : ''}${revoked}`
}

export function renderMapSvg(graph: ServiceGraph, laidOut: MapLayout, options: SvgOptions = {}): string {
  const interactive = options.interactive === true
  const outline = interactive && options.detail === 'outline'
  const control = (label: string): string =>
    interactive ? ` tabindex="0" role="button" aria-label="${esc(label)}"` : ''
  // a file's hover text; on the page the accessible name says it and the details panel shows it (a thousand
  // <title> elements would double the nodes the browser builds)
  const tooltip = (label: string): string => (interactive ? '' : `<title>${esc(label)}</title>`)
  const observed = options.observed ?? []
  // parties the catalog does not know get a column of their own, left of the map
  const unknown: string[] = []
  for (const edge of observed) {
    for (const id of [edge.from, edge.to])
      if (laidOut.nodes[id] === undefined && !unknown.includes(id)) unknown.push(id)
  }
  const unknownWidth = unknown.length > 0 ? 260 : 0
  const unknownHeight = unknown.length > 0 ? 80 + unknown.length * 80 : 0
  const zoneOf = new Map(graph.services.map((s) => [s.id, s.zone]))
  // zones with edges inside them spread their rows apart: room for those edges' labels
  const busy = new Set(
    graph.edges.filter((e) => zoneOf.get(e.from) === zoneOf.get(e.to)).map((e) => zoneOf.get(e.from)),
  )
  const layout =
    options.aspect === undefined
      ? laidOut
      : stretchLayout(laidOut, (laidOut.width + unknownWidth) / options.aspect, (zone) => busy.has(zone))
  const boxes: Record<string, Box> = { ...layout.nodes }
  unknown.forEach((id, i) => {
    boxes[id] = { x: -unknownWidth + 20, y: 60 + i * 80, width: 220, height: 54 }
  })
  const unknownZone: Box[] =
    unknown.length > 0
      ? [{ x: -unknownWidth + 6, y: 10, width: unknownWidth - 16, height: unknownHeight }]
      : []
  const crossingLines = graph.boundaries.map(
    (b) => `${b.from} → ${b.to}: ${b.requires.length > 0 ? b.requires.join(', ') : 'no controls'}`,
  )
  const mapHeight = Math.max(layout.height, unknownHeight)
  const width = layout.width + unknownWidth
  // labels avoid the nodes, the zones' titles and each other
  const labels = createLabelPlacer([
    ...Object.values(boxes),
    ...Object.values(layout.zones).map((z) => ({ x: z.x + 10, y: z.y + 8, width: 170, height: 24 })),
  ])
  const pairs = new Set([...graph.edges.map((e) => e.id), ...observed.map((e) => e.id)])
  const curves = edgeCurves(
    boxes,
    [...graph.edges, ...observed].map((e) => ({
      id: e.id,
      from: e.from,
      to: e.to,
      // more curved when the reverse edge exists
      bend: pairs.has(`${e.to}>${e.from}`) ? 34 : 14,
    })),
  )
  // every line is known before any label is placed, so each label keeps off the lines drawn after it too
  // an undeclared call's line is thick and red: text over it is harder to read than over a grey line
  const thick = new Set(observed.filter((e) => e.kind === 'undeclared').map((e) => e.id))
  if (!outline) for (const [id, curve] of curves) labels.line(id, curve, thick.has(id) ? THICK_LINE : 1)
  const legendLines = ['Allowed zone crossings and the controls they require', ...crossingLines]
  const legend = placeLegend(
    legendSize(legendLines),
    { x: -unknownWidth, y: 0, width, height: mapHeight },
    [...Object.values(layout.zones), ...unknownZone],
    labels,
  )
  if (legend !== undefined) labels.block(legend)
  // no room for the list inside the map: it goes below
  const legendAt = legend ?? { x: 16, y: mapHeight + 10 }
  const height = legend === undefined ? mapHeight + 40 + crossingLines.length * LEGEND_LINE : mapHeight
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="service-map" viewBox="${-unknownWidth} 0 ${round(width)} ${round(height)}" width="${round(width)}" height="${round(height)}" role="group" aria-label="Service map of ${esc(graph.name)}">`,
    `<title>Service map of ${esc(graph.name)}</title><style>${STYLE}</style>`,
    '<defs>',
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7682"/></marker>',
    '<marker id="arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e0182d"/></marker>',
    '</defs>',
  )
  out.push('<g class="zones">')
  for (const zone of graph.zones) {
    const box = layout.zones[zone.name]
    if (box === undefined) continue
    out.push(
      `<g class="zone zone-${esc(zone.name)}" data-zone="${esc(zone.name)}"${control(`Zone ${zone.name}${zone.description ? `: ${zone.description}` : ''}`)}>`,
      `<rect x="${round(box.x)}" y="${round(box.y)}" width="${round(box.width)}" height="${round(box.height)}"/>`,
      `<text class="zone-title" x="${round(box.x + 16)}" y="${round(box.y + 26)}">${esc(zone.name)}</text>`,
      zone.description ? `<title>${esc(zone.description)}</title>` : '',
      '</g>',
    )
  }
  if (unknown.length > 0) {
    out.push(
      `<g class="zone zone-unknown" data-zone="unknown"><rect x="${-unknownWidth + 6}" y="10" width="${unknownWidth - 16}" height="${unknownHeight}"/>`,
      `<text class="zone-title" x="${-unknownWidth + 20}" y="36">not in catalog</text></g>`,
    )
  }
  out.push('</g><g class="edges">')
  interface DrawnEdge {
    id: string
    from: string
    to: string
    classes: string
    lines: string[]
    label: string
  }
  const drawn: DrawnEdge[] = []
  for (const edge of graph.edges) {
    const classes = ['declared']
    if (edge.expired) classes.push('expired')
    if (edge.deny !== undefined) classes.push('denied')
    const grants = edge.grants.map(
      (g) =>
        `${g.operation}${g.purpose ? ` · ${g.purpose}` : ''}${g.expired ? ' (expired)' : g.expiresAt ? ` until ${g.expiresAt}` : ''}`,
    )
    const label = `${edge.deny ? `Explicit deny: ${edge.from} may not call ${edge.to}. ` : ''}${grants.length > 0 ? `Grant ${edge.from} to ${edge.to}: ${grants.join('; ')}` : ''}`
    const lines = outline ? [] : grantLines(edge)
    drawn.push({ id: edge.id, from: edge.from, to: edge.to, classes: classes.join(' '), lines, label })
  }
  for (const edge of observed) {
    const fromLabel = edge.labels?.[edge.from] ?? edge.from
    const toLabel = edge.labels?.[edge.to] ?? edge.to
    drawn.push({
      id: edge.id,
      from: edge.from,
      to: edge.to,
      classes: `observed ${edge.kind}`,
      lines: [edge.kind === 'undeclared' ? 'observed, not declared' : 'observed (no grant)'],
      label: `${edge.kind === 'undeclared' ? 'Undeclared call' : 'Call without a grant'} from ${fromLabel} to ${toLabel}`,
    })
  }
  // labels of the shortest edges are placed first: they have the fewest spots to choose from, a long edge the most
  const spots = labels.placeAll(
    drawn
      .filter((e) => curves.has(e.id) && e.lines.length + (interactive ? 1 : 0) > 0)
      .map((e) => ({ e, length: chord(curves.get(e.id)!) }))
      .sort((a, b) => a.length - b.length || (a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0))
      .map(({ e }) => ({
        id: e.id,
        curve: curves.get(e.id)!,
        // the page keeps a row under the label for the live counts
        width: Math.max(interactive ? 14 : 0, ...e.lines.map((l) => l.length)) * LABEL_CHAR_WIDTH + 8,
        height: (e.lines.length + (interactive ? 1 : 0)) * LINE + 4,
      })),
  )
  for (const { id, from, to, classes, lines, label } of drawn) {
    const line = curves.get(id)
    if (line === undefined) continue
    const red = classes.includes('undeclared')
    const spot = spots.get(id)
    const cx = spot === undefined ? 0 : round(spot.x + spot.width / 2)
    const top = spot?.y ?? 0
    const counts = interactive ? ` data-lx="${cx}" data-ly="${round(top + 12 + lines.length * LINE)}"` : ''
    out.push(
      `<g class="edge ${classes}" data-edge="${esc(id)}" data-from="${esc(from)}" data-to="${esc(to)}"${counts}${control(label)}>`,
      `${tooltip(label)}<path d="${pathOf(line)}" marker-end="url(#${red ? 'arrow-red' : 'arrow'})"/>`,
    )
    lines.forEach((text, i) => {
      out.push(
        `<text class="label" x="${cx}" y="${round(top + 11 + i * LINE)}" text-anchor="middle">${esc(text)}</text>`,
      )
    })
    // the live counts' text is added by the page where data-lx/ly say, once there is traffic
    out.push('</g>')
  }
  out.push('</g><g class="nodes">')
  for (const service of graph.services) {
    const box = boxes[service.id]
    if (box === undefined) continue
    const classes = `node ${service.kind === 'people' ? 'people' : 'service'} cls-${esc(service.classification)}${service.revoked.length > 0 ? ' revoked' : ''}`
    out.push(
      `<g class="${classes}" data-node="${esc(service.id)}" data-zone="${esc(service.zone)}"${control(nodeLabel(service))}>`,
      `<rect x="${round(box.x)}" y="${round(box.y)}" width="${round(box.width)}" height="${round(box.height)}"/>`,
      `<text class="name" x="${round(box.x + 12)}" y="${round(box.y + 22)}">${esc(service.name)}</text>`,
      outline
        ? ''
        : `<text class="meta" x="${round(box.x + 12)}" y="${round(box.y + 40)}">${esc(nodeMeta(service))}</text>`,
      service.revoked.length > 0
        ? `<text class="badge" x="${round(box.x + box.width)}" y="${round(box.y - 5)}" text-anchor="end">⊘ ${service.revoked.length} revoked identit${service.revoked.length === 1 ? 'y' : 'ies'}</text>`
        : '',
      tooltip(nodeLabel(service)),
      '</g>',
    )
  }
  for (const id of unknown) {
    const box = boxes[id]!
    const label = observed.flatMap((e) => [e.labels?.[id]]).find((l) => l !== undefined) ?? id
    out.push(
      `<g class="node unknown" data-node="${esc(id)}" data-zone="unknown"${control(`Not in catalog: ${label}`)}>`,
      `<rect x="${round(box.x)}" y="${round(box.y)}" width="${box.width}" height="${box.height}"/>`,
      `<text class="name" x="${round(box.x + 12)}" y="${round(box.y + 22)}">${esc(label.length > 30 ? `…${label.slice(-29)}` : label)}</text>`,
      `<text class="meta" x="${round(box.x + 12)}" y="${round(box.y + 40)}">not in the catalog</text>`,
      `<title>${esc(label)}</title></g>`,
    )
  }
  out.push(
    `</g><g class="crossings" transform="translate(${round(legendAt.x + 4)} ${round(legendAt.y + 14)})">`,
  )
  legendLines.forEach((line, i) => {
    out.push(`<text${i === 0 ? ' class="head"' : ''} x="0" y="${i * LEGEND_LINE}">${esc(line)}</text>`)
  })
  out.push('</g></svg>')
  return out.join('')
}
