// The service map page: loads the declared map, follows the live stream (traffic frames each second, a new
// revision on hot reload) and wires the details and what-if panels.
import type { TrafficFrame } from '../engine/service-map/traffic-aggregator.js'
import { fetchMap } from './api.js'
import { renderDetails } from './details-panel.js'
import { byId } from './dom.js'
import { MapView, type Selection } from './map-view.js'
import { TrafficWindow } from './traffic-window.js'
import { WhatIf } from './what-if.js'

const started = performance.now()
const windowSelect = byId<HTMLSelectElement>('window')
const traffic = new TrafficWindow(Number(windowSelect.value))
const details = byId<HTMLElement>('details-body')
const whatIf = new WhatIf()
let lastFrame = Date.now()

const totals = () => traffic.totals(lastFrame)

const showDetails = (selection: Selection) => {
  void renderDetails(details, selection, view.current, totals())
}

const view = new MapView(byId('map'), (selection) => {
  if (selection?.kind === 'edge') {
    const [from, to] = selection.id.split('>')
    whatIf.preset(from ?? '', to ?? '')
  }
  showDetails(selection)
})

async function load(): Promise<void> {
  const fetching = performance.now()
  const snapshot = await fetchMap()
  const drawing = performance.now()
  view.show(snapshot)
  document.body.dataset.fetchMs = String(Math.round(drawing - fetching))
  document.body.dataset.drawMs = String(Math.round(performance.now() - drawing))
  whatIf.show(snapshot.graph)
  byId('revision').textContent = snapshot.revision
  byId('catalog-name').textContent = snapshot.graph.name
  document.body.dataset.revision = snapshot.revision
  refresh()
}

function refresh(): void {
  const current = totals()
  view.observe(current)
  view.annotate(current)
  const changed = [...current.values()].filter((t) => Object.values(t.shadow).some((n) => (n ?? 0) > 0))
  const banner = byId('shadow-banner')
  banner.hidden = changed.length === 0
  banner.textContent = `Shadow bundle: decisions would change on ${changed.length} edge${changed.length === 1 ? '' : 's'} (marked in purple).`
}

function connect(): void {
  const live = byId('live')
  const source = new EventSource('api/stream')
  source.addEventListener('open', () => {
    live.textContent = 'live'
    live.className = 'live on'
  })
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…'
    live.className = 'live off'
  })
  source.addEventListener('traffic', (event) => {
    const frame = JSON.parse((event as MessageEvent<string>).data) as TrafficFrame
    traffic.add(frame)
    lastFrame = Math.max(frame.t + 1000, Date.now())
    refresh()
    const selection = view.selection
    if (
      selection !== undefined &&
      frame.edges.some((e) => e.id === selection.id || e.to === selection.id || e.from === selection.id)
    ) {
      showDetails(selection)
    }
  })
  source.addEventListener('revision', () => {
    void load().catch(report)
  })
}

function report(error: unknown): void {
  byId('live').textContent = `error: ${(error as Error).message}`
  console.warn(error)
}

windowSelect.addEventListener('change', () => {
  traffic.setSeconds(Number(windowSelect.value))
  refresh()
})
byId('zoom-in').addEventListener('click', () => view.zoom(1.25))
byId('zoom-out').addEventListener('click', () => view.zoom(0.8))
byId('zoom-fit').addEventListener('click', () => view.zoom('fit'))
window.addEventListener('resize', () => view.resize())

load()
  .then(() => {
    document.body.dataset.renderMs = String(Math.round(performance.now() - started))
    document.body.dataset.ready = 'true'
    connect()
  })
  .catch(report)
