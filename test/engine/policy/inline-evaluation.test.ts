import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { evaluationPlaces } from '../../../engine/policy/evaluation-places.js'
import { type ClosablePolicy, loadGuardedWasmPolicy } from '../../../engine/policy/guarded-policy.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { settled } from '../../helpers/settled.js'

describe('evaluation on the serving thread, metered, under a time-limited policy', () => {
  let bundle: Bundle
  let policy: ClosablePolicy
  const id = (name: string): number => policy.entrypoints.get(`slow/${name}`)!

  beforeAll(async () => {
    bundle = await loadBundleFromPath('slow', await buildFixture('slow-loop'))
    policy = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 1500,
      // One thread: while the runaway holds it, only the serving thread can answer anyone.
      threads: 1,
      overrunCooldownMs: 0,
    })
  })

  afterAll(() => policy.close())

  it('answers cheap evaluations at once while a runaway one holds a thread, and still stops the runaway at the limit', async () => {
    const before = { ...evaluationPlaces }
    let runawaySettled = false
    const runaway = settled(
      policy.evaluateAsync(id('pairs'), encodeJson({ n: 4000 }), '10.0.0.1').finally(() => {
        runawaySettled = true
      }),
    )
    const started = performance.now()
    // A client whose evaluation ran out of fuel goes to the threads for a while; another is answered inline.
    expect(await policy.evaluateAsync(id('echo'), encodeJson({ other: true }), '10.0.0.2')).toBe(
      '[{"result":{"other":true}}]',
    )
    expect(await policy.evaluateAsync(id('pairs'), encodeJson({ n: 30 }), '10.0.0.3')).toBe(
      '[{"result":true}]',
    )
    expect(runawaySettled).toBe(false)
    expect(performance.now() - started).toBeLessThan(1500)
    expect(await runaway).toMatchObject({
      message: 'evaluation exceeded the 1500 ms time limit and was stopped',
    })
    // counted for /metrics: the runaway ran out of fuel here and went to the thread; the other two were answered here
    expect(evaluationPlaces.fuelExhausted - before.fuelExhausted).toBe(1)
    expect(evaluationPlaces.evaluationThreads - before.evaluationThreads).toBe(1)
    expect(evaluationPlaces.servingThread - before.servingThread).toBe(2)
  })

  it('leaves a costly entrypoint to the threads while they are at work, a cheap one not', async () => {
    const costly = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 1500,
      threads: 1,
      overrunCooldownMs: 0,
    })
    try {
      const pairs = costly.entrypoints.get('slow/pairs')!
      // n = 200: tens of ms each, far over the 100 µs that makes an entrypoint costly
      for (let run = 0; run < 3; run++) costly.evaluate(pairs, encodeJson({ n: 200 }))
      const runaway = settled(costly.evaluateAsync(pairs, encodeJson({ n: 4000 }), '10.0.0.1'))
      let costlySettled = false
      const queued = costly
        .evaluateAsync(pairs, encodeJson({ n: 200 }), '10.0.0.2')
        .finally(() => {
          costlySettled = true
        })
        .catch((error: Error) => error.message)
      expect(
        await costly.evaluateAsync(costly.entrypoints.get('slow/echo')!, encodeJson(1), '10.0.0.3'),
      ).toBe('[{"result":1}]')
      expect(costlySettled).toBe(false)
      expect(await runaway).toMatchObject({ message: expect.stringMatching(/time limit/) })
      await queued
    } finally {
      costly.close()
    }
  })

  it('gives the threads’ answers and errors, for synchronous callers too', async () => {
    const threadsOnly = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 1500,
      threads: 1,
      inline: { fuel: 0 },
    })
    try {
      const outcome = async (target: ClosablePolicy, name: string, input: unknown): Promise<string> =>
        target
          .evaluateAsync(target.entrypoints.get(`slow/${name}`)!, encodeJson(input))
          .catch((error: Error & { code?: string }) => `${error.code}: ${error.message}`)
      const cases: Array<[string, unknown]> = [
        ['echo', { a: [1, 2, { b: 'c' }] }],
        ['pairs', { n: 20 }],
        ['hog', { n: 1000 }],
        ['conflict', { values: [1, 2] }],
        ['conflict', { values: [7] }],
      ]
      for (const [name, input] of cases) {
        expect(await outcome(policy, name, input)).toBe(await outcome(threadsOnly, name, input))
      }
      expect(policy.evaluate(id('echo'), encodeJson(3))).toBe('[{"result":3}]')
      // the runaway of the test above cost the one thread: once it is back, a runaway is stopped there again
      await vi.waitFor(() => expect(policy.readyThreads()).toBe(1), { timeout: 15_000, interval: 50 })
      expect(() => policy.evaluate(id('pairs'), encodeJson({ n: 4000 }))).toThrow(/time limit/)
    } finally {
      threadsOnly.close()
    }
  })
})
