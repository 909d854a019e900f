import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { type ClosablePolicy, loadGuardedWasmPolicy } from '../../../engine/policy/guarded-policy.js'
import { createPolicySet } from '../../../engine/policy/policy-set.js'
import { buildFixture } from '../../helpers/fixtures.js'
import { settled } from '../../helpers/settled.js'

function thrownBy(run: () => unknown): ClearanceError {
  try {
    run()
  } catch (thrown) {
    expect(thrown).toBeInstanceOf(ClearanceError)
    return thrown as ClearanceError
  }
  throw new Error('expected the call to throw')
}

/** A quick first call takes the idle thread; the `count` queued behind it go over as one batch. */
function batchBehindOne(
  target: ClosablePolicy,
  count: number,
): { first: Promise<string>; batch: Array<Promise<string>> } {
  const pairs = target.entrypoints.get('slow/pairs')!
  const first = target.evaluateAsync(target.entrypoints.get('slow/echo')!, encodeJson(0))
  const batch = Array.from({ length: count }, () => target.evaluateAsync(pairs, encodeJson({ n: 400 })))
  return { first, batch }
}

describe('guarded wasm policy (evaluation on a worker thread under a time limit)', () => {
  let bundle: Bundle
  let policy: ClosablePolicy
  const id = (name: string): number => {
    const found = policy.entrypoints.get(`slow/${name}`)
    if (found === undefined) throw new Error(`no entrypoint slow/${name}`)
    return found
  }

  beforeAll(async () => {
    bundle = await loadBundleFromPath('slow', await buildFixture('slow-loop'))
    // One thread and no overrun breaker: the replacement window and the queue order are what is tested here
    // (evaluation-fairness.test.ts tests the pool and the breaker), so every evaluation goes to the thread (no
    // inline evaluation on the calling thread: inline-evaluation.test.ts).
    policy = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      inline: { fuel: 0 },
      timeoutMs: 1000,
      initialMemoryPages: 32,
      // The runaway (`pairs`) allocates ~280 bytes a step, ~0.4 GB in its second: with a smaller ceiling it can
      // run out of memory before the time limit these tests are about (denied either way). 1 GiB, as the default.
      maxMemoryPages: 16 * 1024,
      threads: 1,
      overrunCooldownMs: 0,
    })
  })

  afterAll(() => policy.close())

  it('answers like the in-thread evaluator: input, no input, and payloads beyond the shared area', () => {
    expect(policy.evaluate(id('pairs'), encodeJson({ n: 20 }))).toBe('[{"result":true}]')
    expect(policy.evaluate(id('echo'), undefined)).toBe('[]')
    expect(policy.evaluate(id('echo'), encodeJson(false))).toBe('[{"result":false}]')
    const large = { text: 'é'.repeat(1_500_000) }
    expect(policy.evaluate(id('echo'), encodeJson(large))).toBe(`[{"result":${JSON.stringify(large)}}]`)
  })

  it("reports a conflict in OPA's shape (internal_error, eval_conflict_error) without replacing the instance", () => {
    const error = thrownBy(() => policy.evaluate(id('conflict'), encodeJson({ values: [1, 2] })))
    expect(error.code).toBe('internal_error')
    expect(error.details?.map((detail) => detail.code)).toEqual(['eval_conflict_error'])
    expect(error.message).toMatch(/conflict/)
    expect(policy.evaluate(id('pairs'), encodeJson({ n: 3 }))).toBe('[{"result":true}]')
  })

  it('fails an evaluation past its memory ceiling with evaluation_error and keeps serving', async () => {
    const small = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 30_000,
      initialMemoryPages: 16,
      maxMemoryPages: 256,
    })
    const hog = small.entrypoints.get('slow/hog')!
    try {
      const error = thrownBy(() => small.evaluate(hog, encodeJson({ n: 10_000_000 })))
      expect(error.code).toBe('evaluation_error')
      expect(error.message).not.toMatch(/time limit/)
      expect(small.evaluate(hog, encodeJson({ n: 10 }))).toBe('[{"result":10}]')
    } finally {
      small.close()
    }
  })

  it('stops an evaluation past the time limit, denies while a fresh instance starts, then serves again', async () => {
    // n = 4000 is 16 million iterations: many seconds of wasm without the guard.
    const stopped = thrownBy(() => policy.evaluate(id('pairs'), encodeJson({ n: 4000 })))
    expect(stopped.code).toBe('evaluation_error')
    expect(stopped.message).toBe('evaluation exceeded the 1000 ms time limit and was stopped')
    const replacing = thrownBy(() => policy.evaluate(id('pairs'), encodeJson({ n: 3 })))
    expect(replacing.code).toBe('evaluation_error')
    expect(replacing.message).toMatch(/being replaced/)
    await vi.waitFor(
      () => expect(policy.evaluate(id('pairs'), encodeJson({ n: 3 }))).toBe('[{"result":true}]'),
      {
        timeout: 15_000,
        interval: 50,
      },
    )
  })

  it('answers queued asynchronous evaluations in order, each with its own input', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => policy.evaluateAsync(id('echo'), encodeJson({ i }))),
    )
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `[{"result":{"i":${i}}}]`))
    await expect(policy.evaluateAsync(id('conflict'), encodeJson({ values: [1, 2] }))).rejects.toMatchObject({
      code: 'internal_error',
      details: [expect.objectContaining({ code: 'eval_conflict_error' })],
    })
  })

  it('holds each evaluation of a batch to the limit on its own, not the batch as a whole', async () => {
    // A quick first call takes the idle thread; the sixteen queued behind it are handed over as one batch, which
    // runs past the limit in total (each ~75–155 ms on this machine, the limit 800 ms).
    const paced = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      inline: { fuel: 0 },
      timeoutMs: 800,
      threads: 1,
      overrunCooldownMs: 0,
    })
    try {
      const started = performance.now()
      const { first, batch } = batchBehindOne(paced, 16)
      expect(await first).toBe('[{"result":0}]')
      expect(await Promise.all(batch)).toEqual(Array.from({ length: 16 }, () => '[{"result":true}]'))
      expect(performance.now() - started).toBeGreaterThan(800)
    } finally {
      paced.close()
    }
  })

  it('lets a synchronous caller in after the evaluation the thread is on, not after the whole batch', async () => {
    const paced = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      inline: { fuel: 0 },
      timeoutMs: 5000,
      threads: 1,
      overrunCooldownMs: 0,
    })
    try {
      const started = performance.now()
      const { first, batch } = batchBehindOne(paced, 12)
      await first
      const blocked = performance.now()
      expect(paced.evaluate(paced.entrypoints.get('slow/echo')!, encodeJson({ sync: true }))).toBe(
        '[{"result":{"sync":true}}]',
      )
      const waited = performance.now() - blocked
      // the rest of the batch was queued again and is answered all the same
      expect(await Promise.all(batch)).toEqual(Array.from({ length: 12 }, () => '[{"result":true}]'))
      const whole = performance.now() - started
      expect(waited).toBeLessThan(whole / 3)
    } finally {
      paced.close()
    }
  })

  it('answers the rest of a batch when one of its evaluations overruns: before it from the thread, after it again elsewhere', async () => {
    const pool = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      inline: { fuel: 0 },
      timeoutMs: 800,
      threads: 2,
      overrunCooldownMs: 0,
    })
    try {
      const echo = pool.entrypoints.get('slow/echo')!
      // Both threads busy, then three queued: they go as one batch to the first thread that is free.
      const busy = [pool.evaluateAsync(echo, encodeJson(1)), pool.evaluateAsync(echo, encodeJson(2))]
      const before = pool.evaluateAsync(echo, encodeJson({ before: true }))
      const runaway = settled(
        pool.evaluateAsync(pool.entrypoints.get('slow/pairs')!, encodeJson({ n: 4000 })),
      )
      const after = pool.evaluateAsync(echo, encodeJson({ after: true }))
      expect(await Promise.all(busy)).toEqual(['[{"result":1}]', '[{"result":2}]'])
      expect(await before).toBe('[{"result":{"before":true}}]')
      expect(await runaway).toMatchObject({
        message: 'evaluation exceeded the 800 ms time limit and was stopped',
      })
      // Never run on the stopped thread: queued again and answered by the other one, not denied.
      expect(await after).toBe('[{"result":{"after":true}}]')
    } finally {
      pool.close()
    }
  })

  it('lets a synchronous caller in while an asynchronous evaluation is on the thread, and both get their answer', async () => {
    const queued = [1, 2, 3].map((i) => policy.evaluateAsync(id('echo'), encodeJson({ queued: i })))
    expect(policy.evaluate(id('echo'), encodeJson({ sync: true }))).toBe('[{"result":{"sync":true}}]')
    expect(await Promise.all(queued)).toEqual([1, 2, 3].map((i) => `[{"result":{"queued":${i}}}]`))
  })

  it('stops an asynchronous evaluation past the limit and denies those queued behind it', async () => {
    const slow = settled(policy.evaluateAsync(id('pairs'), encodeJson({ n: 4000 })))
    const behind = settled(policy.evaluateAsync(id('echo'), encodeJson({ behind: true })))
    expect(await slow).toMatchObject({
      message: 'evaluation exceeded the 1000 ms time limit and was stopped',
    })
    expect(await behind).toMatchObject({ message: expect.stringMatching(/being replaced/) })
    await vi.waitFor(
      async () =>
        expect(await policy.evaluateAsync(id('pairs'), encodeJson({ n: 3 }))).toBe('[{"result":true}]'),
      {
        timeout: 15_000,
        interval: 50,
      },
    )
  })

  it('goes on with queued evaluations after a synchronous caller hit the limit, once the fresh instance is ready', async () => {
    const slow = policy.evaluateAsync(id('pairs'), encodeJson({ n: 4000 }))
    const queued = settled(policy.evaluateAsync(id('echo'), encodeJson({ queued: true })))
    // A blocking caller drains the slow one (which overruns), then finds the instance being replaced.
    expect(thrownBy(() => policy.evaluate(id('echo'), encodeJson(1))).code).toBe('evaluation_error')
    // The runaway allocates with every step (~280 bytes): on a fast run it can reach the memory ceiling before the
    // time limit. Either way it is stopped and denied, and the instance replaced.
    await expect(slow).rejects.toThrow(/time limit|opa_malloc: failed/)
    // The queued evaluation settles without anyone else calling: denied while replacing, or answered after.
    const outcome = await queued
    expect([
      '[{"result":{"queued":true}}]',
      expect.objectContaining({ message: expect.stringMatching(/being replaced/) }),
    ]).toContainEqual(outcome)
    await vi.waitFor(() => expect(policy.evaluate(id('echo'), encodeJson(2))).toBe('[{"result":2}]'), {
      timeout: 15_000,
      interval: 50,
    })
  })

  it('gives each evaluation its own answer when a blocking caller drained an earlier one and the next answer is large', async () => {
    const large = { text: 'x'.repeat(1_200_000) }
    // From a fresh task, as a request handler runs.
    const [first, second] = await new Promise<[Promise<string>, Promise<string>]>((resolve) =>
      setTimeout(() => {
        const first = policy.evaluateAsync(id('echo'), encodeJson({ a: 1 }))
        expect(policy.evaluate(id('echo'), encodeJson({ b: 1 }))).toBe('[{"result":{"b":1}}]')
        const second = policy.evaluateAsync(id('echo'), encodeJson(large))
        const until = Date.now() + 300
        while (Date.now() < until) {
          // the rest of this task: the large answer is waiting before any callback runs
        }
        resolve([first, second])
      }, 10),
    )
    expect(await first).toBe('[{"result":{"a":1}}]')
    expect(await second).toBe(`[{"result":${JSON.stringify(large)}}]`)
  })

  it('denies every evaluation once closed', async () => {
    const other = await loadGuardedWasmPolicy(bundle.modules[0]!.bytes, encodeJson({}), {
      timeoutMs: 1000,
      inline: { fuel: 0 },
    })
    const pending = other.evaluateAsync(0, encodeJson({}))
    other.close()
    await expect(pending).rejects.toThrow('policy was closed')
    const error = thrownBy(() => other.evaluate(0, encodeJson({})))
    expect(error.code).toBe('evaluation_error')
    expect(error.message).toBe('policy was closed')
  })

  it('refuses a module that is not an OPA policy, as the in-thread loader does', async () => {
    const error = await loadGuardedWasmPolicy(new Uint8Array([0, 97, 115, 109]), encodeJson({}), {
      timeoutMs: 1000,
    }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ClearanceError)
    expect((error as ClearanceError).code).toBe('bundle_error')
  })

  it('is what a policy set uses when given evaluationTimeoutMs, released by close()', async () => {
    const set = await createPolicySet([bundle], { evaluationTimeoutMs: 1000, evaluationThreads: 1 })
    expect(await set.evaluate('slow/pairs', encodeJson({ n: 5 }))).toEqual({ defined: true, json: 'true' })
    await expect(set.evaluate('slow/pairs', encodeJson({ n: 4000 }))).rejects.toThrow(/time limit/)
    // the synchronous entrypoint evaluation (the decision log's) runs under the same limit
    expect(() => set.evaluateEntrypoint('slow/pairs', encodeJson({ n: 4000 }))).toThrow(/time limit/)
    set.close()
    await expect(set.evaluate('slow/echo', encodeJson({}))).rejects.toThrow('policy was closed')
  })
})
