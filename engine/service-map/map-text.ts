// The declared map as Graphviz DOT and as a Mermaid flowchart, for docs and pull requests: zones as clusters or
// subgraphs, services and people as nodes, grants and explicit denies as labelled edges, crossings as comments.
import type { MapEdge, MapService, ServiceGraph } from './catalog-graph.js'

const CLASS_COLOURS: Record<string, string> = {
  public: '#2e9d5b',
  internal: '#2f6fd1',
  confidential: '#e08a00',
  restricted: '#d12f2f',
}

const dotString = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

function edgeLabel(edge: MapEdge): string {
  const lines = edge.grants.map(
    (g) => `${g.operation}${g.purpose ? ` · ${g.purpose}` : ''}${g.expired ? ' (expired)' : ''}`,
  )
  if (edge.deny !== undefined) lines.unshift(`DENIED: ${edge.deny.reason}`)
  return lines.join('\n')
}

function nodeText(service: MapService): string {
  if (service.kind === 'people') {
    return `${service.name} (people)\n${(service.members ?? []).join(', ')}${service.production ? `\n${service.production}` : ''}`
  }
  const tags = service.tags.length > 0 ? ` [${service.tags.join(', ')}]` : ''
  const revoked = service.revoked.length > 0 ? `\nrevoked identities: ${service.revoked.length}` : ''
  return `${service.name}\n${service.team ?? 'no team'} · ${service.classification}${tags}${revoked}`
}

export function renderMapDot(graph: ServiceGraph): string {
  const out = [
    `digraph ${dotString(graph.name)} {`,
    '  rankdir=LR; compound=true; node [shape=box, style="rounded,filled", fillcolor=white, fontname="sans-serif"];',
    '  edge [fontname="sans-serif", fontsize=10];',
  ]
  for (const b of graph.boundaries) {
    out.push(`  // crossing ${b.from} -> ${b.to}: ${b.requires.join(', ') || 'no controls'}`)
  }
  for (const zone of graph.zones) {
    out.push(`  subgraph ${dotString(`cluster_${zone.name}`)} {`, `    label=${dotString(zone.name)};`)
    for (const s of graph.services.filter((s) => s.zone === zone.name)) {
      const colour = CLASS_COLOURS[s.classification] ?? '#6b7682'
      const style = s.kind === 'people' ? ', style="rounded,dashed"' : ''
      out.push(
        `    ${dotString(s.id)} [label=${dotString(nodeText(s))}, color=${dotString(colour)}${style}];`,
      )
    }
    out.push('  }')
  }
  for (const edge of graph.edges) {
    const attrs = [`label=${dotString(edgeLabel(edge))}`]
    if (edge.deny !== undefined) attrs.push('color="#b3261e"', 'style=dashed')
    else if (edge.expired) attrs.push('color="#b0b7bf"', 'fontcolor="#b0b7bf"', 'style=dotted')
    out.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)} [${attrs.join(', ')}];`)
  }
  out.push('}')
  return `${out.join('\n')}\n`
}

const mermaidId = (id: string): string => `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`
const mermaidText = (text: string): string => text.replace(/"/g, '#quot;').replace(/\n/g, '<br/>')

export function renderMapMermaid(graph: ServiceGraph): string {
  const out = ['flowchart LR']
  for (const b of graph.boundaries) {
    out.push(`  %% crossing ${b.from} -> ${b.to}: ${b.requires.join(', ') || 'no controls'}`)
  }
  for (const zone of graph.zones) {
    out.push(`  subgraph ${mermaidId(`zone_${zone.name}`)}["${mermaidText(zone.name)}"]`)
    for (const s of graph.services.filter((s) => s.zone === zone.name)) {
      out.push(`    ${mermaidId(s.id)}["${mermaidText(nodeText(s))}"]:::${s.classification}`)
    }
    out.push('  end')
  }
  const styles: string[] = []
  graph.edges.forEach((edge, i) => {
    const arrow = edge.deny !== undefined ? '-. "' : '-- "'
    const head = edge.deny !== undefined ? '" .-x' : '" -->'
    out.push(`  ${mermaidId(edge.from)} ${arrow}${mermaidText(edgeLabel(edge))}${head} ${mermaidId(edge.to)}`)
    if (edge.expired) styles.push(`  linkStyle ${i} stroke:#b0b7bf,color:#b0b7bf`)
    if (edge.deny !== undefined) styles.push(`  linkStyle ${i} stroke:#b3261e,color:#b3261e`)
  })
  out.push(...styles)
  for (const [name, colour] of Object.entries(CLASS_COLOURS)) {
    out.push(`  classDef ${name} stroke:${colour},stroke-width:2px`)
  }
  return `${out.join('\n')}\n`
}
