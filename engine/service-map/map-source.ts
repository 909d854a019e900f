// The declared map of whatever policy set is active: the catalog read out of its data document and laid out once
// per activated set, when something first asks for it (a page, or a newly activated set while a page is open to
// redraw), and a signal to pages when a hot reload brings a new revision. Nothing is read or laid out for a set no
// page looks at: at 10,000 services the graph and layout hold tens of MiB.
import type { PolicySet } from '../policy/index.js'
import { catalogGraph, type ServiceGraph } from './catalog-graph.js'
import { layoutGraph, type MapLayout } from './map-layout.js'

export interface MapSnapshot {
  /** The active bundles' revisions, "name=revision" joined by commas. */
  revision: string
  graph: ServiceGraph
  layout: MapLayout
}

export interface ServiceMapSource {
  /** The active set's map, laid out; undefined while no set is active. */
  snapshot(): Promise<MapSnapshot | undefined>
  /** The active set's graph without waiting for its layout (traffic attribution). */
  graph(): ServiceGraph | undefined
  /** Called with the new revision once a newly activated set's map is laid out. */
  onChange(listener: (revision: string) => void): () => void
  stop(): void
}

export interface MapSourceDeps {
  current(): PolicySet | undefined
  onActivate(listener: (next: PolicySet) => void): () => void
  /** Where the catalog sits in the data document, e.g. "clearance/catalog". */
  catalogPath: string
  now?: () => Date
}

export function revisionOf(set: PolicySet): string {
  return Object.entries(set.revisions)
    .map(([name, revision]) => `${name}=${revision}`)
    .sort()
    .join(',')
}

/** The catalog inside a data document at a slash-separated path; undefined when absent. */
export function catalogAt(data: unknown, path: string): unknown {
  let node = data
  for (const segment of path.split('/').filter((s) => s !== '')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

export function createServiceMapSource(deps: MapSourceDeps): ServiceMapSource {
  const now = deps.now ?? (() => new Date())
  const graphs = new WeakMap<PolicySet, ServiceGraph>()
  const snapshots = new WeakMap<PolicySet, Promise<MapSnapshot>>()
  const listeners = new Set<(revision: string) => void>()

  const graphOf = (set: PolicySet): ServiceGraph => {
    let graph = graphs.get(set)
    if (graph === undefined) {
      graph = catalogGraph(catalogAt(set.dataDocument(), deps.catalogPath), now().toISOString())
      graphs.set(set, graph)
    }
    return graph
  }
  const snapshotOf = (set: PolicySet): Promise<MapSnapshot> => {
    let snapshot = snapshots.get(set)
    if (snapshot === undefined) {
      const graph = graphOf(set)
      snapshot = layoutGraph(graph).then((layout) => ({ revision: revisionOf(set), graph, layout }))
      snapshots.set(set, snapshot)
    }
    return snapshot
  }
  const stopListening = deps.onActivate((next) => {
    // laid out now only when a page is open to redraw; otherwise when a page first asks
    if (listeners.size === 0) return
    snapshotOf(next).then(
      (snapshot) => {
        if (deps.current() !== next) return
        for (const listener of listeners) listener(snapshot.revision)
      },
      () => {},
    )
  })
  return {
    async snapshot() {
      const set = deps.current()
      return set === undefined ? undefined : snapshotOf(set)
    },
    graph() {
      const set = deps.current()
      return set === undefined ? undefined : graphOf(set)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    stop() {
      stopListening()
      listeners.clear()
    },
  }
}
