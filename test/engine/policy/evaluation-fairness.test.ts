// Fair time limits: a caller whose evaluations keep overrunning does not starve the module's other callers. The
// module runs on a pool of threads (an overrun holds and replaces only one), the same overrunning evaluation is
// denied at once for a cool-down, and a trapped (memory-exhausted) instance is replaced with its whole thread so
// its memory goes back to the operating system.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import {
  type ClosablePolicy,
  evaluationThreadsFor,
  loadGuardedWasmPolicy,
} from '../../../engine/policy/guarded-policy.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { settled } from '../../helpers/settled.js'

const TIMEOUT_MS = 300
const SLOW = encodeJson({ n: 2000 })

describe('fair time limits', () => {
  let bundle: Bundle
  let policy: ClosablePolicy
  const id = (name: string): number => policy.entrypoints.get(`slow/${name}`)!

  beforeAll(async () => {
    bundle = await loadBundleFromPath('slow', await buildFixture('slow-loop'))
    policy = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      // the threads' fairness is tested: nothing evaluates on the calling thread
      inline: { fuel: 0 },
      timeoutMs: TIMEOUT_MS,
      threads: 2,
      overrunCooldownMs: 60_000,
    })
  })

  afterAll(() => policy.close())

  it('keeps answering other evaluations on the other thread while one runs past the limit and is replaced', async () => {
    const slow = policy.evaluateAsync(id('pairs'), encodeJson({ n: 2001 })).catch((thrown: Error) => thrown)
    const answers: string[] = []
    const started = performance.now()
    // While the runaway evaluation holds one thread, and right after it is stopped: no denial, no waiting for it.
    while (performance.now() - started < TIMEOUT_MS * 2) {
      answers.push(await policy.evaluateAsync(id('echo'), encodeJson({ i: answers.length })))
    }
    expect(await slow).toMatchObject({ message: expect.stringMatching(/time limit/) })
    expect(answers.length).toBeGreaterThan(10)
    answers.forEach((answer, i) => {
      expect(answer).toBe(`[{"result":{"i":${i}}}]`)
    })
  })

  it('denies the same overrunning evaluation at once for the cool-down, without holding a thread', async () => {
    await expect(policy.evaluateAsync(id('pairs'), SLOW)).rejects.toThrow(/time limit and was stopped/)
    const started = performance.now()
    const again = await policy.evaluateAsync(id('pairs'), SLOW).catch((thrown: Error) => thrown)
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS / 2)
    expect(again).toMatchObject({
      code: 'evaluation_error',
      message: expect.stringMatching(/denied without running it again/),
    })
    expect(() => policy.evaluate(id('pairs'), SLOW)).toThrow(/denied without running it again/)
    // Another input of the same entrypoint still runs.
    await vi.waitFor(
      async () =>
        expect(await policy.evaluateAsync(id('pairs'), encodeJson({ n: 3 }))).toBe('[{"result":true}]'),
      {
        timeout: 15_000,
        interval: 50,
      },
    )
  })

  it('denies only while no thread of the pool is left', async () => {
    await vi.waitFor(() => expect(policy.readyThreads()).toBe(2), { timeout: 15_000, interval: 50 })
    // Either runaway may be stopped first: every outcome is taken as it settles, none left unhandled meanwhile.
    const one = settled(policy.evaluateAsync(id('pairs'), encodeJson({ n: 2002 })))
    const two = settled(policy.evaluateAsync(id('pairs'), encodeJson({ n: 2003 })))
    const queued = settled(policy.evaluateAsync(id('echo'), encodeJson({ queued: true })))
    expect(await one).toMatchObject({ message: expect.stringMatching(/time limit/) })
    expect(await two).toMatchObject({ message: expect.stringMatching(/time limit/) })
    // Denied while no thread is left; a replacement from a warm spare can be ready first and answer it.
    const outcome = await queued
    expect([
      '[{"result":{"queued":true}}]',
      expect.objectContaining({ message: expect.stringMatching(/being replaced/) }),
    ]).toContainEqual(outcome)
    await vi.waitFor(
      async () => expect(await policy.evaluateAsync(id('echo'), encodeJson(1))).toBe('[{"result":1}]'),
      {
        timeout: 15_000,
        interval: 50,
      },
    )
  })
})

describe('memory after a denied memory-hungry evaluation', () => {
  it('returns to near the baseline: the exhausted instance goes with its thread', {
    timeout: 60_000,
  }, async () => {
    const hogBundle = await loadBundleFromPath('hog', await buildFixture('memory-hog'))
    const MiB = 1024 * 1024
    const policy = await loadGuardedWasmPolicy(hogBundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 60_000,
      threads: 1,
      initialMemoryPages: 32,
      maxMemoryPages: 1024, // 64 MiB
    })
    try {
      const hog = policy.entrypoints.get('hog/size')!
      expect(policy.evaluate(hog, encodeJson({ n: 10 }))).toBe('[{"result":10}]')
      const baseline = process.memoryUsage().rss
      await expect(policy.evaluateAsync(hog, encodeJson({ n: 10_000_000 }))).rejects.toMatchObject({
        code: 'evaluation_error',
      })
      await vi.waitFor(
        async () => expect(await policy.evaluateAsync(hog, encodeJson({ n: 10 }))).toBe('[{"result":10}]'),
        {
          timeout: 15_000,
          interval: 50,
        },
      )
      await vi.waitFor(() => expect(process.memoryUsage().rss - baseline).toBeLessThan(24 * MiB), {
        timeout: 10_000,
        interval: 100,
      })
    } finally {
      policy.close()
    }
  })
})

describe('a client whose evaluations exhaust the memory ceiling', () => {
  it('is held like one that overruns: after three, denied at once while other clients are served', {
    timeout: 90_000,
  }, async () => {
    const hogBundle = await loadBundleFromPath('hog', await buildFixture('memory-hog'))
    const policy = await loadGuardedWasmPolicy(hogBundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 60_000,
      threads: 2,
      overrunCooldownMs: 60_000,
      initialMemoryPages: 32,
      maxMemoryPages: 1024, // 64 MiB
    })
    try {
      const hog = policy.entrypoints.get('hog/size')!
      for (let i = 0; i < 3; i++) {
        await expect(
          policy.evaluateAsync(hog, encodeJson({ n: 10_000_000 + i }), '10.0.0.66'),
        ).rejects.toMatchObject({ code: 'evaluation_error' })
      }
      await expect(policy.evaluateAsync(hog, encodeJson({ n: 10 }), '10.0.0.66')).rejects.toThrow(
        /3 evaluations from this client .* exhausted the policy's memory; .* denied for 60 s/,
      )
      await vi.waitFor(
        async () =>
          expect(await policy.evaluateAsync(hog, encodeJson({ n: 10 }), '10.0.0.7')).toBe('[{"result":10}]'),
        { timeout: 15_000, interval: 50 },
      )
    } finally {
      policy.close()
    }
  })

  it('gives a module two threads by default, one when its data is large (--eval-threads auto), as many as asked', () => {
    expect(evaluationThreadsFor('auto', 10 * 1024 * 1024)).toBe(2)
    expect(evaluationThreadsFor('auto', 64 * 1024 * 1024)).toBe(1)
    expect(evaluationThreadsFor(3, 200 * 1024 * 1024)).toBe(3)
  })
})
