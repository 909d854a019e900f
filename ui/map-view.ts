// The map on the page: the shared SVG drawing (the same code `clearance map --format svg` runs), redrawn when the
// revision changes or a call the map does not draw is observed, and annotated with live traffic in place.
import type { MapSnapshot } from '../engine/service-map/map-source.js'
import { type ObservedEdge, renderMapSvg } from '../engine/service-map/map-svg.js'
import { type EdgeTotals, shadowText, shadowTotal } from './traffic-window.js'

/** Below this scale an 11px label is under 5px high: not worth laying out. */
const FAR_SCALE = 0.4
/** A window whose shape changed by more than this (width ÷ height, relative) gets the map redrawn to fill it. */
const RESHAPE = 0.15

export type Selection = { kind: 'node' | 'edge'; id: string } | undefined

export class MapView {
  private snapshot: MapSnapshot | undefined
  private observed = new Map<string, ObservedEdge>()
  private scale = 1
  private fitted = true
  /** What the current drawing holds: labels and meta lines, or the outline drawn when far out. */
  private detail: 'full' | 'outline' = 'full'
  /** The container's width ÷ height the current drawing was stretched to fill. */
  private aspect: number | undefined
  /** The counts last written, written again onto a redrawn map. */
  private totals = new Map<string, EdgeTotals>()
  selection: Selection

  constructor(
    private readonly container: HTMLElement,
    private readonly onSelect: (selection: Selection) => void,
  ) {
    container.addEventListener('click', (event) => this.pick(event.target))
    container.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault()
        this.pick(event.target)
      }
    })
  }

  get current(): MapSnapshot | undefined {
    return this.snapshot
  }

  show(snapshot: MapSnapshot): void {
    this.snapshot = snapshot
    // observed edges the new revision declares are drawn as declared edges now
    const declared = new Set(snapshot.graph.edges.map((e) => e.id))
    for (const id of [...this.observed.keys()]) if (declared.has(id)) this.observed.delete(id)
    this.draw()
  }

  /** Adds the calls the map does not draw; redraws only when there is a new one. */
  observe(totals: Map<string, EdgeTotals>): void {
    if (this.snapshot === undefined) return
    const declared = new Set(this.snapshot.graph.edges.map((e) => e.id))
    let changed = false
    for (const edge of totals.values()) {
      if (edge.kind === 'declared' || declared.has(edge.id)) continue
      const known = this.observed.get(edge.id)
      const kind = edge.kind === 'undeclared' ? 'undeclared' : 'implicit'
      if (known !== undefined && known.kind === kind) continue
      this.observed.set(edge.id, { id: edge.id, from: edge.from, to: edge.to, kind, labels: edge.labels })
      changed = true
    }
    if (changed) this.draw()
  }

  /** Writes the window's counts onto the edges (their text elements are made on an edge's first traffic). */
  annotate(totals: Map<string, EdgeTotals>): void {
    this.totals = totals
    for (const g of this.container.querySelectorAll<SVGGElement>('g.edge')) {
      const total = totals.get(g.dataset.edge ?? '')
      let traffic = g.querySelector('.traffic')
      let shadow = g.querySelector('.shadow')
      if (total !== undefined && traffic === null) {
        traffic = countText(g, 'traffic', 0)
        shadow = countText(g, 'shadow', 13)
      }
      const changes = total === undefined ? 0 : shadowTotal(total.shadow)
      g.classList.toggle('active', total !== undefined)
      g.classList.toggle('has-deny', (total?.deny ?? 0) > 0)
      g.classList.toggle('shadow-changed', changes > 0)
      if (traffic !== null)
        traffic.textContent = total === undefined ? '' : `✓ ${total.allow} · ✕ ${total.deny}`
      if (shadow !== null) shadow.textContent = changes > 0 ? `shadow: ${shadowText(total!.shadow)}` : ''
      g.dataset.allow = String(total?.allow ?? 0)
      g.dataset.deny = String(total?.deny ?? 0)
      g.dataset.shadow = String(changes)
    }
  }

  zoom(factor: number | 'fit'): void {
    this.fitted = factor === 'fit'
    this.scale = factor === 'fit' ? 1 : Math.min(4, Math.max(0.1, this.scale * factor))
    // zoomed in from far out: draw the labels now
    if (this.snapshot !== undefined && this.detailAt(this.container.clientWidth) !== this.detail) this.draw()
    else this.applyScale()
  }

  /** Fits the map to a resized window: redrawn when the window's shape changed, so that it fills its height. */
  resize(): void {
    const aspect = this.aspectNow()
    const drawn = this.aspect
    if (
      this.snapshot !== undefined &&
      aspect !== undefined &&
      (drawn === undefined || Math.abs(aspect / drawn - 1) > RESHAPE)
    ) {
      this.fitted = true
      this.scale = 1
      this.draw()
    } else this.zoom('fit')
  }

  /** The container's width ÷ height, when it has both. */
  private aspectNow(): number | undefined {
    const { clientWidth, clientHeight } = this.container
    return clientWidth > 0 && clientHeight > 0 ? clientWidth / clientHeight : undefined
  }

  /** The scale the map is shown at in a container `available` pixels wide. */
  private scaleAt(available: number, width: number): number {
    const fit = Math.min(1, (available - 4) / width)
    return this.fitted ? fit : this.scale * fit
  }

  private detailAt(available: number): 'full' | 'outline' {
    const width = this.snapshot?.layout.width ?? 0
    return width > 0 && this.scaleAt(available, width) < FAR_SCALE ? 'outline' : 'full'
  }

  /**
   * Sizes the drawing to the window's scale; `available` is the container's width when the caller read it before
   * changing the DOM (reading it after inserting a large SVG would force a layout of it, then another).
   * Far out, where an edge label would be a few pixels high, the map is drawn without labels and meta lines (the
   * outline); the accessible names and the details panel still say them, and zooming in draws them.
   */
  private applyScale(available = this.container.clientWidth): void {
    const svg = this.container.querySelector('svg')
    if (svg === null) return
    const width = Number(svg.getAttribute('width'))
    const height = Number(svg.getAttribute('height'))
    const scale = this.scaleAt(available, width)
    svg.style.width = `${Math.round(width * scale)}px`
    svg.style.height = `${Math.round(height * scale)}px`
  }

  private draw(): void {
    if (this.snapshot === undefined) return
    const { graph, layout } = this.snapshot
    const available = this.container.clientWidth
    this.detail = this.detailAt(available)
    this.aspect = this.aspectNow()
    this.container.innerHTML = renderMapSvg(graph, layout, {
      observed: [...this.observed.values()],
      interactive: true,
      detail: this.detail,
      ...(this.aspect === undefined ? {} : { aspect: this.aspect }),
    })
    this.applyScale(available)
    this.annotate(this.totals)
    this.mark()
  }

  private pick(target: EventTarget | null): void {
    const element = (target as Element | null)?.closest?.('[data-node], [data-edge]')
    if (element === null || element === undefined) return
    const node = element.getAttribute('data-node')
    this.selection =
      node !== null ? { kind: 'node', id: node } : { kind: 'edge', id: element.getAttribute('data-edge')! }
    this.mark()
    this.onSelect(this.selection)
  }

  private mark(): void {
    for (const el of this.container.querySelectorAll('.selected')) el.classList.remove('selected')
    if (this.selection === undefined) return
    const attr = this.selection.kind === 'node' ? 'data-node' : 'data-edge'
    this.container.querySelector(`[${attr}="${CSS.escape(this.selection.id)}"]`)?.classList.add('selected')
  }
}

/** A text element for an edge's live counts, where the drawing left room for them (data-lx, data-ly). */
function countText(edge: SVGGElement, kind: 'traffic' | 'shadow', dy: number): SVGTextElement {
  const text = document.createElementNS('http://www.w3.org/2000/svg', 'text')
  text.setAttribute('class', kind)
  text.setAttribute('x', edge.dataset.lx ?? '0')
  text.setAttribute('y', String(Number(edge.dataset.ly ?? 0) + dy))
  text.setAttribute('text-anchor', 'middle')
  edge.append(text)
  return text
}
