import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createPolicyRegistry } from '../../../engine/activation/index.js'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { loadBundleFromPath } from '../../../engine/bundle/index.js'
import { createDecider } from '../../../engine/decision/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import {
  createDecisionCache,
  createPolicySet,
  isDeterministic,
  type PolicySet,
} from '../../../engine/policy/index.js'
import { tempDir } from '../../helpers/fixtures.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

const ALLOW = `package cache.test

import rego.v1

# METADATA
# entrypoint: true
default allow := false

allow if input.user in data.cache.test.users

# METADATA
# entrypoint: true
conflict := 1 if input.fail
conflict := 2 if input.fail
`

const CLOCK = `package cache.clock

import rego.v1

# METADATA
# entrypoint: true
now := time.now_ns()
`

async function setOf(rego: string, data: object, revision: string): Promise<PolicySet> {
  const dir = await tempDir()
  const source = join(dir, 'src')
  await mkdir(join(source, 'cache', 'test'), { recursive: true })
  await writeFile(join(source, 'policy.rego'), rego)
  await writeFile(join(source, 'cache', 'test', 'data.json'), JSON.stringify(data))
  const output = join(dir, 'bundle.tar.gz')
  await buildBundle({ source, output, revision })
  return createPolicySet([await loadBundleFromPath('cache', output)])
}

describe('decision cache', () => {
  let alice: PolicySet
  let bob: PolicySet
  let clock: PolicySet

  beforeAll(async () => {
    alice = await setOf(ALLOW, { users: ['alice'] }, 'rev-alice')
    bob = await setOf(ALLOW, { users: ['bob'] }, 'rev-bob')
    clock = await setOf(CLOCK, {}, 'rev-clock')
  }, 60_000)

  const deciderFor = (set: PolicySet, options = { maxEntries: 100, maxBytes: 1 << 20 }) => {
    const registry = createPolicyRegistry()
    registry.activate(set)
    const cache = createDecisionCache(options)
    return { registry, cache, decider: createDecider({ registry, cache }) }
  }

  it('reads the builtins each module leaves to the host and calls a set with time.now_ns non-deterministic', () => {
    expect(alice.deterministic).toBe(true)
    expect(clock.deterministic).toBe(false)
  })

  it('answers the same input bytes a second time from memory, without evaluating', async () => {
    const { decider, cache } = deciderFor(alice)
    const evaluate = vi.spyOn(alice, 'evaluate')
    try {
      const first = await decider.decide('cache/test/allow', bytes('{"user":"alice"}'))
      const second = await decider.decide('cache/test/allow', bytes('{"user":"alice"}'))
      expect(first.outcome).toEqual({ defined: true, json: 'true' })
      expect(second.outcome).toEqual(first.outcome)
      expect(second.decisionId).not.toBe(first.decisionId)
      expect(evaluate).toHaveBeenCalledTimes(1)
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 })
    } finally {
      evaluate.mockRestore()
    }
  })

  it('evaluates other input bytes, other paths and no input as misses', async () => {
    const { decider, cache } = deciderFor(alice)
    await decider.decide('cache/test/allow', bytes('{"user":"alice"}'))
    const spaced = await decider.decide('cache/test/allow', bytes('{"user": "bob"}'))
    await decider.decide('cache/test/conflict', bytes('{"user":"alice"}'))
    await decider.decide('cache/test/allow', undefined)
    expect(spaced.outcome).toEqual({ defined: true, json: 'false' })
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 4, entries: 4 })
  })

  it('never answers from the bundle that was active before an activation', async () => {
    const { decider, registry, cache } = deciderFor(alice)
    const input = bytes('{"user":"alice"}')
    expect((await decider.decide('cache/test/allow', input)).outcome).toEqual({ defined: true, json: 'true' })
    registry.activate(bob)
    expect(cache.stats().entries).toBe(0)
    const after = await decider.decide('cache/test/allow', input)
    expect(after.outcome).toEqual({ defined: true, json: 'false' })
    expect(after.policies.revisions).toEqual({ cache: 'rev-bob' })
  })

  it('does not store an answer evaluated on a set the cache has moved on from', () => {
    const cache = createDecisionCache({ maxEntries: 10, maxBytes: 1 << 20 })
    const input = bytes('{"user":"alice"}')
    expect(cache.get(alice, 'cache/test/allow', input)).toBeUndefined()
    cache.clear() // an activation while alice's evaluation was in flight
    expect(cache.get(bob, 'cache/test/allow', input)).toBeUndefined()
    cache.put(alice, 'cache/test/allow', input, { defined: true, json: 'true' })
    expect(cache.get(bob, 'cache/test/allow', input)).toBeUndefined()
    expect(cache.stats().entries).toBe(0)
  })

  it('skips the cache for a decision asked of a set that is no longer active', async () => {
    const { decider, registry, cache } = deciderFor(alice)
    registry.activate(bob)
    await decider.decide('cache/test/allow', bytes('{"user":"alice"}'), alice)
    await decider.decide('cache/test/allow', bytes('{"user":"alice"}'), alice)
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, entries: 0 })
  })

  it('never caches a policy that reads the clock', async () => {
    const { decider, cache } = deciderFor(clock)
    const evaluate = vi.spyOn(clock, 'evaluate')
    try {
      await decider.decide('cache/clock/now', bytes('{}'))
      await decider.decide('cache/clock/now', bytes('{}'))
      expect(evaluate).toHaveBeenCalledTimes(2)
      expect(cache.stats()).toMatchObject({ hits: 0, entries: 0 })
    } finally {
      evaluate.mockRestore()
    }
  })

  it('never caches a failure: the same input fails again', async () => {
    const { decider, cache } = deciderFor(alice)
    const input = bytes('{"fail":true}')
    await expect(decider.decide('cache/test/conflict', input)).rejects.toBeInstanceOf(ClearanceError)
    await expect(decider.decide('cache/test/conflict', input)).rejects.toBeInstanceOf(ClearanceError)
    expect(cache.stats()).toMatchObject({ hits: 0, entries: 0 })
  })

  it('keeps at most maxEntries answers, dropping the least recently used', async () => {
    const { decider, cache } = deciderFor(alice, { maxEntries: 3, maxBytes: 1 << 20 })
    const ask = (user: string) => decider.decide('cache/test/allow', bytes(`{"user":"${user}"}`))
    for (const user of ['a', 'b', 'c']) await ask(user)
    await ask('a') // a is now the most recent; b the least
    await ask('d')
    expect(cache.stats()).toMatchObject({ entries: 3, hits: 1, misses: 4 })
    await ask('b')
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 5 })
    await ask('a')
    expect(cache.stats().hits).toBe(2)
  })

  it('keeps the bytes it holds within maxBytes, and never stores an entry above its share', async () => {
    const maxBytes = 8192
    const { decider, cache } = deciderFor(alice, { maxEntries: 1000, maxBytes })
    for (let i = 0; i < 100; i++) await decider.decide('cache/test/allow', bytes(`{"user":"user-${i}"}`))
    expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes)
    expect(cache.stats().entries).toBeGreaterThan(0)
    expect(cache.stats().entries).toBeLessThan(100)
    await decider.decide('cache/test/allow', bytes(`{"user":"${'x'.repeat(maxBytes)}"}`))
    expect(cache.stats().bytes).toBeLessThanOrEqual(maxBytes)
    await decider.decide('cache/test/allow', bytes(`{"user":"${'x'.repeat(maxBytes)}"}`))
    expect(cache.stats().hits).toBe(0)
  })

  it('treats clock, randomness, network and runtime builtins as non-deterministic', () => {
    expect(isDeterministic([])).toBe(true)
    expect(isDeterministic(['glob.match', 'regex.match', 'time.parse_rfc3339_ns'])).toBe(true)
    for (const name of [
      'time.now_ns',
      'rand.intn',
      'uuid.rfc4122',
      'http.send',
      'opa.runtime',
      'net.cidr_x',
    ]) {
      expect(isDeterministic([name])).toBe(false)
    }
    expect(isDeterministic(['glob.match'], true)).toBe(false)
    expect(isDeterministic([], true)).toBe(true)
  })
})
