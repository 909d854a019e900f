// Live traffic for the map: every decision is attributed to an edge (caller → callee) and counted per edge per
// second, server-side, so a page receives one small frame a second however many decisions were made. The request
// path only appends references to a bounded list (O(1), and nothing at all while no page watches); the once-a-
// second flush decodes, attributes and counts each decision and holds the last few per edge, which are masked and
// described only when a page asks for them (a busy map with a thousand live edges masks nothing it is not shown). A
// call the catalog does not declare — a deny with no grant, an unknown caller or callee — gets an edge of its own,
// marked undeclared. A shadow bundle's divergences arrive after their decisions and are counted on the same edges.
import { classifyResult } from '../metrics/index.js'
import type { ServiceGraph } from './catalog-graph.js'
import { edgeId } from './catalog-graph.js'
import type { PageMasker } from './page-masker.js'

/** How a shadow bundle's decision compares with the active one (the rollout's decision-log `shadow.change`). */
export type ShadowChange = 'unchanged' | 'newly_allowed' | 'newly_denied' | 'changed' | 'error'
export type ShadowCounts = Partial<Record<Exclude<ShadowChange, 'unchanged'>, number>>

/**
 * A decision the shadow bundle answered differently (engine/shadow reports each, after the response): its edge
 * is found from the same input, and counted as a shadow change without counting the decision again.
 */
export interface ShadowDivergence {
  decisionId: string
  input: Uint8Array | string | undefined
  /** The enforced result's JSON text (decides allow or deny for the edge's kind). */
  result: string | undefined
  change: Exclude<ShadowChange, 'unchanged'>
}

/** The parts of a decision the aggregator reads (engine/decision's Decision fits). */
export interface ObservedDecision {
  decisionId: string
  path: string
  outcome: { defined: false } | { defined: true; json: string }
}

export type EdgeKind = 'declared' | 'undeclared' | 'implicit'

export interface EdgeTraffic {
  id: string
  from: string
  to: string
  kind: EdgeKind
  allow: number
  deny: number
  shadow?: ShadowCounts
  /** Display names of parties not in the catalog (from the masked input). */
  labels?: Record<string, string>
}

export interface TrafficFrame {
  /** The second counted, in ms since the epoch. */
  t: number
  edges: EdgeTraffic[]
  /** Decisions seen but not attributed this second because the pending list was full. */
  dropped: number
}

export interface RecentDecision {
  decision_id: string
  time: string
  allow: boolean
  operation?: string
  purpose?: string
  reasons: { code: string; message: string }[]
  obligations: unknown[]
  shadow?: ShadowChange
  /** Mask rules that removed or replaced something before this reached the page. */
  masked?: string[]
}

export interface TrafficAggregator {
  decided(decision: ObservedDecision, input: Uint8Array | string | undefined): void
  failed(
    path: string,
    input: Uint8Array | string | undefined,
    error: { code: string; message: string },
    elapsedNs: number,
  ): void
  /** The shadow bundle would decide this decision differently. */
  shadowed(divergence: ShadowDivergence): void
  /** Frames every second while at least one listener is subscribed. */
  subscribe(listener: (frame: TrafficFrame) => void): () => void
  /** The most recent decisions on an edge (masked), newest first. */
  recent(edge: string): RecentDecision[]
  /** Counts what is pending into a frame and hands it to the listeners (the timer calls it every second). */
  flush(): void
  stop(): void
}

export interface TrafficAggregatorOptions {
  graph: () => ServiceGraph | undefined
  mask: PageMasker
  /** Decisions held between flushes; more are counted as dropped. */
  maxPending?: number
  /** Decisions kept per edge for the details panel. */
  recentPerEdge?: number
  /** Edges whose recent decisions are kept. */
  maxEdges?: number
  /** Bytes of input and result held for decisions not yet described (default 16 MiB); the oldest edges go first. */
  maxKeptBytes?: number
  now?: () => number
  /** Injected timers (tests); defaults to a 1 s interval. */
  setInterval?: (fn: () => void, ms: number) => unknown
  clearInterval?: (handle: unknown) => void
}

interface Pending {
  decisionId: string
  input: Uint8Array | string | undefined
  result: string | undefined
  error: { code: string; message: string } | undefined
  /** Set on a shadow divergence: counted as a shadow change only (the decision itself was counted already). */
  shadow: ShadowChange | undefined
  at: number
}

/** A decision held for the details panel: its view is made on the first request for it, then its bytes go. */
interface Kept {
  entry: Pending
  allow: boolean
  bytes: number
  shadow?: ShadowChange
  /** The masked description; null when the mask could not be applied (never shown). */
  view: RecentDecision | null | undefined
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const decoder = new TextDecoder()

const sizeOf = (text: Uint8Array | string | undefined): number =>
  text === undefined ? 0 : typeof text === 'string' ? text.length : text.byteLength

function parse(text: Uint8Array | string | undefined): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(typeof text === 'string' ? text : decoder.decode(text))
  } catch {
    return undefined
  }
}

function operationKey(target: Json): string | undefined {
  const op = target.operation
  if (!isObject(op)) return undefined
  if (typeof op.rpc === 'string') return op.rpc
  if (typeof op.method === 'string' && typeof op.path === 'string') return `${op.method} ${op.path}`
  return undefined
}

/** The caller's node id from an input, or undefined when the input names no caller it could be. */
function callerOf(input: Json, graph: ServiceGraph): { id: string; known: boolean } {
  const subject = isObject(input.subject) ? input.subject : {}
  if (subject.type === 'user') {
    const id = str(subject.id)
    const role = id === undefined ? undefined : graph.roster[id]
    if (role !== undefined) return { id: `role:${role}`, known: true }
    const roles = Array.isArray(subject.roles) ? subject.roles : []
    const endUser = graph.endUserRoles.find((r) => roles.includes(r))
    if (endUser !== undefined) return { id: `role:${endUser}`, known: true }
    return { id: 'unknown:user', known: false }
  }
  const identity = str(subject.spiffe_id) ?? str(subject.cert_fingerprint)
  const service = identity === undefined ? undefined : graph.identities[identity]
  if (service !== undefined) return { id: service, known: true }
  return { id: 'unknown:service', known: false }
}

/** A label for a party the catalog does not know, read from the masked input only. */
function unknownLabel(maskedInput: unknown, side: 'from' | 'to'): string {
  if (!isObject(maskedInput)) return side === 'from' ? 'unknown caller' : 'unknown service'
  if (side === 'to') {
    const target = isObject(maskedInput.target) ? maskedInput.target : {}
    return str(target.service) ?? 'unknown service (masked)'
  }
  const subject = isObject(maskedInput.subject) ? maskedInput.subject : {}
  if (subject.type === 'user') return `user ${str(subject.id) ?? '(masked)'}`
  return str(subject.spiffe_id) ?? str(subject.cert_fingerprint) ?? 'unknown caller (no or masked identity)'
}

/** Node and edge ids of a graph as sets, computed once per graph (a revision), not once per decision. */
const indexes = new WeakMap<ServiceGraph, { nodes: Set<string>; edges: Set<string> }>()
function indexOf(graph: ServiceGraph): { nodes: Set<string>; edges: Set<string> } {
  let index = indexes.get(graph)
  if (index === undefined) {
    index = { nodes: new Set(graph.services.map((s) => s.id)), edges: new Set(graph.edges.map((e) => e.id)) }
    indexes.set(graph, index)
  }
  return index
}

export function createTrafficAggregator(options: TrafficAggregatorOptions): TrafficAggregator {
  const maxPending = options.maxPending ?? 20_000
  const recentPerEdge = options.recentPerEdge ?? 20
  const maxEdges = options.maxEdges ?? 5_000
  const now = options.now ?? Date.now
  const listeners = new Set<(frame: TrafficFrame) => void>()
  let pending: Pending[] = []
  let dropped = 0
  const maxKeptBytes = options.maxKeptBytes ?? 16 * 1024 * 1024
  /** Per edge, its last decisions, newest first: held as they came, masked and described when a page asks. */
  const recents = new Map<string, Kept[]>()
  let keptBytes = 0
  let timer: unknown
  const every = options.setInterval ?? ((fn, ms) => setInterval(fn, ms).unref())
  const cancel = options.clearInterval ?? ((handle) => clearInterval(handle as NodeJS.Timeout))

  const push = (entry: Pending): void => {
    if (listeners.size === 0) return
    if (pending.length >= maxPending) {
      dropped++
      return
    }
    pending.push(entry)
  }

  const release = (kept: Kept): void => {
    keptBytes -= kept.bytes
    kept.bytes = 0
    kept.entry.input = undefined
    kept.entry.result = undefined
  }
  const dropEdge = (edge: string): void => {
    for (const kept of recents.get(edge) ?? []) release(kept)
    recents.delete(edge)
  }
  /** Holds a decision as the newest of its edge: a few array moves, no parse, no mask. */
  const keep = (edge: string, entry: Pending, allow: boolean): void => {
    let list = recents.get(edge)
    if (list === undefined) {
      if (recents.size >= maxEdges) dropEdge(recents.keys().next().value as string)
      list = []
      recents.set(edge, list)
    }
    const bytes = sizeOf(entry.input) + (entry.result?.length ?? 0)
    list.unshift({ entry, allow, bytes, view: undefined })
    keptBytes += bytes
    while (list.length > recentPerEdge) release(list.pop()!)
    // over the byte bound: the edges that were first seen longest ago give up their decisions
    while (keptBytes > maxKeptBytes && recents.size > 1) {
      const oldest = recents.keys().next().value as string
      if (oldest === edge) break
      dropEdge(oldest)
    }
  }

  /** Attributes and counts one decision; returns its edge id, or undefined when the input names no target. */
  function attribute(
    entry: Pending,
    graph: ServiceGraph,
    counts: Map<string, EdgeTraffic>,
  ): { id: string; input: Json; allow: boolean } | undefined {
    const input = parse(entry.input)
    if (!isObject(input) || !isObject(input.target)) return undefined
    // as the metrics classify it: a parse only when the text may say allow
    const allow = entry.error === undefined && classifyResult(entry.result) === 'allow'
    const caller = callerOf(input, graph)
    const calleeName = str(input.target.service)
    const callee =
      calleeName !== undefined && indexOf(graph).nodes.has(calleeName)
        ? { id: calleeName, known: true }
        : { id: 'unknown:target', known: false }
    const labels: Record<string, string> = {}
    if (!caller.known || !callee.known) {
      // a party the catalog does not know is named from the masked input only (rare: masked per decision)
      const masked = options.mask(entry.decisionId, input, undefined)?.input
      for (const [party, side] of [
        [caller, 'from'],
        [callee, 'to'],
      ] as const) {
        if (party.known) continue
        const label = unknownLabel(masked, side)
        party.id = `unknown:${label}`
        labels[party.id] = label
      }
    }
    const id = edgeId(caller.id, callee.id)
    let edge = counts.get(id)
    if (edge === undefined) {
      const declared = caller.known && callee.known && indexOf(graph).edges.has(id)
      edge = {
        id,
        from: caller.id,
        to: callee.id,
        kind: declared ? 'declared' : caller.known && callee.known && allow ? 'implicit' : 'undeclared',
        allow: 0,
        deny: 0,
      }
      if (Object.keys(labels).length > 0) edge.labels = labels
      counts.set(id, edge)
    } else if (edge.kind === 'implicit' && !allow) {
      edge.kind = 'undeclared'
    }
    if (entry.shadow === undefined || entry.shadow === 'unchanged') {
      if (allow) edge.allow++
      else edge.deny++
    } else {
      edge.shadow ??= {}
      edge.shadow[entry.shadow] = (edge.shadow[entry.shadow] ?? 0) + 1
    }
    return { id, input, allow }
  }

  /** The page's view of one decision, masked; undefined when the mask cannot be applied (it is not shown). */
  function describe(entry: Pending, allow: boolean): RecentDecision | undefined {
    const input = parse(entry.input)
    if (!isObject(input)) return undefined
    const masked = options.mask(entry.decisionId, input, parse(entry.result))
    if (masked === undefined) return undefined
    const maskedResult = isObject(masked.result) ? masked.result : {}
    const maskedInput = isObject(masked.input) ? masked.input : {}
    const target = isObject(maskedInput.target) ? maskedInput.target : {}
    const reasons = Array.isArray(maskedResult.reasons)
      ? maskedResult.reasons
          .filter(isObject)
          .map((r) => ({ code: String(r.code), message: String(r.message) }))
      : []
    if (entry.error !== undefined) reasons.push({ code: entry.error.code, message: entry.error.message })
    const recent: RecentDecision = {
      decision_id: entry.decisionId,
      time: new Date(entry.at).toISOString(),
      allow,
      reasons,
      obligations: Array.isArray(maskedResult.obligations) ? maskedResult.obligations : [],
    }
    const operation = operationKey(target)
    if (operation !== undefined) recent.operation = operation
    const purpose = str(maskedInput.purpose)
    if (purpose !== undefined) recent.purpose = purpose
    if (masked.applied.length > 0) recent.masked = masked.applied
    return recent
  }

  const flush = (): void => {
    const batch = pending
    pending = []
    const lost = dropped
    dropped = 0
    if (listeners.size === 0) return
    const graph = options.graph()
    const counts = new Map<string, EdgeTraffic>()
    if (graph !== undefined) {
      // every decision is counted and held as its edge's newest; masked and described only when a page asks
      for (const entry of batch) {
        const seen = attribute(entry, graph, counts)
        if (seen === undefined) continue
        if (entry.shadow === undefined) {
          keep(seen.id, entry, seen.allow)
          continue
        }
        // a divergence: the decision is held already (or was just now, when it came in the same second)
        const kept = recents.get(seen.id)?.find((k) => k.entry.decisionId === entry.decisionId)
        if (kept !== undefined) {
          kept.shadow = entry.shadow
          if (kept.view) kept.view.shadow = entry.shadow
        }
      }
    }
    const frame: TrafficFrame = {
      t: Math.floor(now() / 1000) * 1000,
      edges: [...counts.values()],
      dropped: lost,
    }
    for (const listener of listeners) listener(frame)
  }

  return {
    decided(decision, input) {
      if (listeners.size === 0) return
      push({
        decisionId: decision.decisionId,
        input,
        result: decision.outcome.defined ? decision.outcome.json : undefined,
        error: undefined,
        shadow: undefined,
        at: now(),
      })
    },
    failed(_path, input, error) {
      if (listeners.size === 0) return
      push({
        decisionId: '',
        input,
        result: undefined,
        error: { code: error.code, message: error.message },
        shadow: undefined,
        at: now(),
      })
    },
    shadowed(divergence) {
      if (listeners.size === 0) return
      push({
        decisionId: divergence.decisionId,
        input: divergence.input,
        result: divergence.result,
        error: undefined,
        shadow: divergence.change,
        at: now(),
      })
    },
    subscribe(listener) {
      listeners.add(listener)
      if (timer === undefined) timer = every(flush, 1000)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && timer !== undefined) {
          cancel(timer)
          timer = undefined
          pending = []
          dropped = 0
        }
      }
    },
    recent(edge) {
      const views: RecentDecision[] = []
      for (const kept of recents.get(edge) ?? []) {
        if (kept.view === undefined) {
          kept.view = describe(kept.entry, kept.allow) ?? null
          if (kept.view !== null && kept.shadow !== undefined) kept.view.shadow = kept.shadow
          release(kept)
        }
        if (kept.view !== null) views.push(kept.view)
      }
      return views
    },
    flush,
    stop() {
      listeners.clear()
      if (timer !== undefined) cancel(timer)
      timer = undefined
      pending = []
    },
  }
}
