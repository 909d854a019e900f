// Live traffic: decisions attributed to edges and counted per edge per second, undeclared calls marked, shadow
// changes counted, masking applied before anything is kept for the page, and no work while nobody watches.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfiguredMasks } from '../../../engine/decision-log/index.js'
import {
  catalogGraph,
  createPageMasker,
  createTrafficAggregator,
  type TrafficFrame,
} from '../../../engine/service-map/index.js'
import { POLICIES } from '../../helpers/policy-bundle.js'

const graph = catalogGraph(
  JSON.parse(readFileSync(join(POLICIES, 'clearance', 'catalog', 'data.json'), 'utf8')),
)
const encoder = new TextEncoder()

function input(spiffe: string, service: string, rpc: string, purpose = 'checkout'): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      subject: { type: 'service', spiffe_id: spiffe, authenticated: true },
      connection: { tls: true, mtls: true },
      target: { service, operation: { rpc } },
      purpose,
    }),
  )
}
const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'
const verdict = (allow: boolean) =>
  ({
    defined: true,
    json: JSON.stringify({
      allow,
      reasons: [{ code: allow ? 'grant_matched' : 'default_deny', message: 'm' }],
      obligations: allow ? [{ type: 'audit' }] : [],
    }),
  }) as const
let ids = 0
const decision = (allow: boolean) => ({
  decisionId: `d-${++ids}`,
  path: 'clearance/authz/decision',
  outcome: verdict(allow),
})

function setup(options: { rules?: string[] } = {}) {
  const frames: TrafficFrame[] = []
  const aggregator = createTrafficAggregator({
    graph: () => graph,
    mask: createPageMasker({ rules: parseConfiguredMasks(options.rules ?? [], '--decision-log-mask') }),
    now: () => 1_700_000_000_500,
    setInterval: () => 1,
    clearInterval: () => {},
  })
  const unsubscribe = aggregator.subscribe((frame) => frames.push(frame))
  return { aggregator, frames, unsubscribe }
}

describe('createTrafficAggregator', () => {
  it('counts allows and denies per edge in one frame per second', () => {
    const { aggregator, frames } = setup()
    for (let i = 0; i < 3; i++)
      aggregator.decided(decision(true), input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    aggregator.decided(decision(false), input(ORDERS, 'payments', 'payments.v1.Payments/Charge', 'marketing'))
    aggregator.flush()
    expect(frames).toHaveLength(1)
    expect(frames[0]!.t).toBe(1_700_000_000_000)
    expect(frames[0]!.edges).toEqual([
      { id: 'orders>payments', from: 'orders', to: 'payments', kind: 'declared', allow: 3, deny: 1 },
    ])
  })

  it('marks a deny with no grant and an unknown caller as undeclared edges', () => {
    const { aggregator, frames } = setup()
    aggregator.decided(
      decision(false),
      input('spiffe://shop.example/ns/prod/sa/web', 'payments', 'payments.v1.Payments/Charge'),
    )
    aggregator.decided(
      decision(false),
      input('spiffe://evil.example/x', 'orders', 'payments.v1.Payments/Charge'),
    )
    aggregator.flush()
    const edges = Object.fromEntries(frames[0]!.edges.map((e) => [e.id, e]))
    expect(edges['web>payments']?.kind).toBe('undeclared')
    expect(edges['unknown:spiffe://evil.example/x>orders']).toMatchObject({
      kind: 'undeclared',
      deny: 1,
      labels: { 'unknown:spiffe://evil.example/x': 'spiffe://evil.example/x' },
    })
  })

  it('counts an allowed call without a grant (same team, open in zone) as implicit, not undeclared', () => {
    const { aggregator, frames } = setup()
    aggregator.decided(
      decision(true),
      input('spiffe://shop.example/ns/prod/sa/web', 'catalog', 'GET /products'),
    )
    aggregator.flush()
    expect(frames[0]!.edges[0]).toMatchObject({ id: 'web>catalog', kind: 'implicit', allow: 1 })
  })

  it("counts shadow divergences on their decision's edge without counting the decision twice", () => {
    const { aggregator, frames } = setup()
    const charge = input(ORDERS, 'payments', 'payments.v1.Payments/Charge')
    const made = [decision(true), decision(true), decision(true), decision(false)]
    for (const d of made) aggregator.decided(d, charge)
    aggregator.flush()
    // the shadow recorder reports after the response: here in the next second
    const diverged = (d: (typeof made)[number], change: 'newly_denied' | 'error') =>
      aggregator.shadowed({
        decisionId: d.decisionId,
        input: charge,
        result: d.outcome.json,
        change,
      })
    diverged(made[0]!, 'newly_denied')
    diverged(made[1]!, 'newly_denied')
    diverged(made[3]!, 'error')
    aggregator.flush()
    expect(frames[0]!.edges[0]).toMatchObject({ id: 'orders>payments', allow: 3, deny: 1 })
    expect(frames[0]!.edges[0]!.shadow).toBeUndefined()
    expect(frames[1]!.edges).toEqual([
      {
        id: 'orders>payments',
        from: 'orders',
        to: 'payments',
        kind: 'declared',
        allow: 0,
        deny: 0,
        shadow: { newly_denied: 2, error: 1 },
      },
    ])
    expect(aggregator.recent('orders>payments').map((d) => d.shadow)).toEqual([
      'error',
      undefined,
      'newly_denied',
      'newly_denied',
    ])
  })

  it('keeps recent decisions with reasons, obligations and ids, masked before they are kept', () => {
    const { aggregator } = setup({ rules: ['/input/purpose'] })
    const made = decision(true)
    aggregator.decided(made, input(ORDERS, 'payments', 'payments.v1.Payments/Charge', 'very_secret_purpose'))
    aggregator.flush()
    const [recent] = aggregator.recent('orders>payments')
    expect(recent).toMatchObject({
      decision_id: made.decisionId,
      allow: true,
      operation: 'payments.v1.Payments/Charge',
      reasons: [{ code: 'grant_matched', message: 'm' }],
      obligations: [{ type: 'audit' }],
      masked: ['/input/purpose'],
    })
    expect(JSON.stringify(aggregator.recent('orders>payments'))).not.toContain('very_secret_purpose')
  })

  it('counts a decision whose mask cannot be applied but never shows it', () => {
    const frames: TrafficFrame[] = []
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: () => undefined,
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe((frame) => frames.push(frame))
    aggregator.decided(decision(true), input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    aggregator.decided(
      decision(false),
      input('spiffe://evil.example/x', 'payments', 'payments.v1.Payments/Charge'),
    )
    aggregator.flush()
    expect(frames[0]!.edges.map((e) => [e.id, e.allow, e.deny])).toEqual([
      ['orders>payments', 1, 0],
      // the unknown caller's identity is not named: the mask that would allow it failed
      ['unknown:unknown caller>payments', 0, 1],
    ])
    expect(aggregator.recent('orders>payments')).toEqual([])
  })

  it('describes only the most recent decisions of an edge, newest first', () => {
    const frames: TrafficFrame[] = []
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: createPageMasker(),
      recentPerEdge: 3,
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe((frame) => frames.push(frame))
    const made = Array.from({ length: 10 }, () => decision(true))
    for (const d of made) aggregator.decided(d, input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    aggregator.flush()
    expect(frames[0]!.edges[0]!.allow).toBe(10)
    expect(aggregator.recent('orders>payments').map((d) => d.decision_id)).toEqual(
      made
        .slice(-3)
        .reverse()
        .map((d) => d.decisionId),
    )
  })

  it('counts a failed decision as a deny with its error as the reason', () => {
    const { aggregator, frames } = setup()
    aggregator.failed(
      'clearance/authz/decision',
      input(ORDERS, 'payments', 'payments.v1.Payments/Charge'),
      { code: 'internal_error', message: 'no bundle' },
      10,
    )
    aggregator.flush()
    expect(frames[0]!.edges[0]).toMatchObject({ allow: 0, deny: 1 })
    expect(aggregator.recent('orders>payments')[0]!.reasons).toEqual([
      { code: 'internal_error', message: 'no bundle' },
    ])
  })

  it('holds nothing while no page watches, and stops its timer when the last one leaves', () => {
    let cleared = 0
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: createPageMasker(),
      setInterval: () => 7,
      clearInterval: (handle) => {
        if (handle === 7) cleared++
      },
    })
    aggregator.decided(decision(true), input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    const frames: TrafficFrame[] = []
    const stop = aggregator.subscribe((frame) => frames.push(frame))
    aggregator.flush()
    expect(frames[0]!.edges).toEqual([])
    stop()
    expect(cleared).toBe(1)
  })

  it('counts decisions past the pending bound as dropped instead of holding them', () => {
    const frames: TrafficFrame[] = []
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: createPageMasker(),
      maxPending: 2,
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe((frame) => frames.push(frame))
    for (let i = 0; i < 5; i++)
      aggregator.decided(decision(true), input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    aggregator.flush()
    expect(frames[0]!.edges[0]!.allow).toBe(2)
    expect(frames[0]!.dropped).toBe(3)
  })

  it('masks and describes a decision only when a page asks for its edge, once', () => {
    const masked: string[] = []
    const inner = createPageMasker()
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: (id, i, r) => {
        masked.push(id)
        return inner(id, i, r)
      },
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe(() => {})
    const made = [decision(true), decision(false)]
    for (const d of made) aggregator.decided(d, input(ORDERS, 'payments', 'payments.v1.Payments/Charge'))
    aggregator.flush()
    expect(masked).toEqual([])
    expect(aggregator.recent('orders>payments').map((d) => d.decision_id)).toEqual([
      made[1]!.decisionId,
      made[0]!.decisionId,
    ])
    aggregator.recent('orders>payments')
    expect(masked).toEqual([made[1]!.decisionId, made[0]!.decisionId])
  })

  it('holds decisions up to its byte bound, a described one no longer counting against it', () => {
    const charge = input(ORDERS, 'payments', 'payments.v1.Payments/Charge')
    const order = input('spiffe://shop.example/ns/prod/sa/web', 'orders', 'orders.v1/Create')
    const denied = [decision(false), decision(false), decision(false)]
    const orderBytes = order.byteLength + denied[0]!.outcome.json.length
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: createPageMasker(),
      // room for the three decisions on web → orders, not for one more
      maxKeptBytes: orderBytes * 3 + 10,
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe(() => {})
    aggregator.decided(decision(true), charge)
    aggregator.flush()
    expect(aggregator.recent('orders>payments')).toHaveLength(1)
    for (const d of denied) aggregator.decided(d, order)
    aggregator.flush()
    expect(aggregator.recent('web>orders')).toHaveLength(3)
    expect(aggregator.recent('orders>payments')).toHaveLength(1)
  })

  it("keeps the newest edge's decisions when it alone is past the byte bound, and evicts older edges first", () => {
    const charge = input(ORDERS, 'payments', 'payments.v1.Payments/Charge')
    const order = input('spiffe://shop.example/ns/prod/sa/web', 'orders', 'orders.v1/Create')
    const aggregator = createTrafficAggregator({
      graph: () => graph,
      mask: createPageMasker(),
      maxKeptBytes: 100,
      setInterval: () => 1,
      clearInterval: () => {},
    })
    aggregator.subscribe(() => {})
    aggregator.decided(decision(true), charge)
    aggregator.decided(decision(false), order)
    aggregator.flush()
    expect(aggregator.recent('orders>payments')).toEqual([])
    expect(aggregator.recent('web>orders')).toHaveLength(1)
  })
})
