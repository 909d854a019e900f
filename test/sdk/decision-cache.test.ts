// The client's decision cache: bounded in entries and age, keyed by path and canonical input, and dropped as soon as
// an answer shows the bundles' revisions changed.
import { afterEach, describe, expect, it } from 'vitest'
import { canonicalJson, createClient, createDecisionCache } from '../../sdk/index.js'
import { checkAnswer, type FakePdp, json, startFakePdp } from './support/fake-pdp.js'

describe('decision cache', () => {
  it('keys inputs by canonical JSON: key order and undefined members do not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"e":3,"f":2}]},"b":1}',
    )
    const cache = createDecisionCache<string>()
    expect(cache.key('p', { a: 1, b: 2 })).toBe(cache.key('p', { b: 2, a: 1 }))
    expect(cache.key('p', { a: 1 })).not.toBe(cache.key('q', { a: 1 }))
  })

  it('forgets decisions older than ttlMs', () => {
    let now = 0
    const cache = createDecisionCache<string>({ ttlMs: 100, now: () => now })
    cache.set('k', 'v', { b: 'r1' })
    now = 99
    expect(cache.get('k')).toBe('v')
    now = 100
    expect(cache.get('k')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('evicts the least recently used decision past maxEntries', () => {
    const cache = createDecisionCache<string>({ maxEntries: 2 })
    cache.set('a', 'A', {})
    cache.set('b', 'B', {})
    expect(cache.get('a')).toBe('A')
    cache.set('c', 'C', {})
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBe('A')
    expect(cache.get('c')).toBe('C')
  })

  it('drops every decision when a revision changes', () => {
    const cache = createDecisionCache<string>()
    cache.set('a', 'A', { clearance: 'r1' })
    cache.observe({ clearance: 'r1' })
    expect(cache.get('a')).toBe('A')
    cache.observe({ clearance: 'r2' })
    expect(cache.get('a')).toBeUndefined()
  })
})

describe('HTTP client with a decision cache', () => {
  let pdp: FakePdp | undefined

  afterEach(async () => {
    await pdp?.close()
    pdp = undefined
  })

  it('answers a repeated input from the cache until an answer reports a new revision', async () => {
    pdp = await startFakePdp((_req, res, n) => json(res, 200, checkAnswer(true, n < 1 ? 'r1' : 'r2')))
    const client = createClient({ url: pdp.url, cache: { ttlMs: 60_000 } })
    const first = await client.check({ a: 1, b: 2 })
    expect(first.cached).toBeUndefined()
    const again = await client.check({ b: 2, a: 1 })
    expect(again).toMatchObject({ cached: true, decisionId: first.decisionId, allow: true })
    expect(pdp.requests).toBe(1)
    // Another input goes to the PDP, whose answer carries r2: everything cached under r1 is gone.
    expect((await client.check({ other: true })).revisions).toEqual({ clearance: 'r2' })
    expect((await client.check({ a: 1, b: 2 })).cached).toBeUndefined()
    expect(pdp.requests).toBe(3)
  })

  it('never caches a failure', async () => {
    pdp = await startFakePdp((_req, res, n) =>
      n === 0 ? json(res, 500, { code: 'internal_error', message: 'x' }) : json(res, 200, checkAnswer(true)),
    )
    const client = createClient({ url: pdp.url, cache: true })
    expect((await client.check({ a: 1 })).error?.code).toBe('pdp_error')
    expect((await client.check({ a: 1 })).allow).toBe(true)
    expect(pdp.requests).toBe(2)
  })

  it('caches Data API reads by path and input', async () => {
    pdp = await startFakePdp((_req, res) =>
      json(res, 200, { decision_id: 'd1', result: 42, provenance: { bundles: { b: { revision: 'r1' } } } }),
    )
    const client = createClient({ url: pdp.url, cache: true })
    expect((await client.evaluate('x/y', { q: 1 })).result).toBe(42)
    expect((await client.evaluate('x/y', { q: 1 })).cached).toBe(true)
    expect((await client.evaluate('x/z', { q: 1 })).cached).toBeUndefined()
    expect(pdp.requests).toBe(2)
    client.clearCache()
    await client.evaluate('x/y', { q: 1 })
    expect(pdp.requests).toBe(3)
  })

  it('serves no cached allow once a call found the PDP down', async () => {
    pdp = await startFakePdp((_req, res) => json(res, 200, checkAnswer(true)))
    const client = createClient({ url: pdp.url, retries: 0, cache: { ttlMs: 60_000 } })
    expect((await client.check({ a: 1 })).allow).toBe(true)
    expect((await client.check({ a: 1 })).cached).toBe(true)
    await pdp.close()
    pdp = undefined
    // Another input finds the PDP gone: from then on the cached allow is not served.
    expect((await client.check({ b: 2 })).error?.code).toBe('pdp_unavailable')
    const after = await client.check({ a: 1 })
    expect(after).toMatchObject({ allow: false, error: { code: 'pdp_unavailable' } })
    expect(after.cached).toBeUndefined()
  })

  it('keeps serving cached decisions while the PDP is down when staleWhileUnavailable is set', async () => {
    pdp = await startFakePdp((_req, res) => json(res, 200, checkAnswer(true)))
    const client = createClient({
      url: pdp.url,
      retries: 0,
      cache: { ttlMs: 60_000, staleWhileUnavailable: true },
    })
    await client.check({ a: 1 })
    await pdp.close()
    pdp = undefined
    expect((await client.check({ b: 2 })).error?.code).toBe('pdp_unavailable')
    expect(await client.check({ a: 1 })).toMatchObject({ allow: true, cached: true })
  })
})
