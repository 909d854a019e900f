import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type Bundle, loadBundleFromPath } from '../../../engine/bundle/index.js'
import { ClearanceError } from '../../../engine/errors.js'
import { encodeJson } from '../../../engine/json/json-codec.js'
import { type ClosablePolicy, loadGuardedWasmPolicy } from '../../../engine/policy/guarded-policy.js'
import { createWarmThreads, type WarmThreads } from '../../../engine/policy/warm-threads.js'
import { spawnWorker } from '../../../engine/worker-script.js'
import { buildFixture } from '../../helpers/fixtures.js'

const WORKER_SCRIPT = new URL('../../../engine/policy/evaluation-worker.ts', import.meta.url)
const WAIT = { timeout: 30_000, interval: 20 }

describe('warm evaluation threads', () => {
  let bundle: Bundle
  let spawned: Worker[]
  const ended = new Set<Worker>()
  const alive = (): Worker[] => spawned.filter((worker) => !ended.has(worker))
  let pool: WarmThreads
  const open: ClosablePolicy[] = []

  /** A guarded policy of the reload fixture whose data carries `version`, its threads taken from the pool. */
  const load = async (version: string): Promise<ClosablePolicy> => {
    const policy = await loadGuardedWasmPolicy(
      bundle.modules[0]!.bytes,
      encodeJson({ reload: { meta: { version, admin: 'alice' } } }),
      { timeoutMs: 5000, threads: 2, overrunCooldownMs: 0, warmThreads: pool },
    )
    open.push(policy)
    return policy
  }
  const versionOf = (policy: ClosablePolicy): Promise<string> =>
    policy.evaluateAsync(policy.entrypoints.get('reload/version')!, undefined)
  const exited = (worker: Worker): Promise<void> =>
    vi.waitFor(() => expect(ended.has(worker)).toBe(true), WAIT)

  beforeAll(async () => {
    bundle = await loadBundleFromPath('reload', await buildFixture('reload'))
    spawned = []
    pool = createWarmThreads({
      spares: 2,
      spawn: () => {
        const worker = spawnWorker(WORKER_SCRIPT, {})
        spawned.push(worker)
        worker.once('exit', () => ended.add(worker))
        return worker
      },
    })
  })

  afterAll(() => {
    for (const policy of open) policy.close()
    pool.close()
  })

  it('keeps no spares while no thread it handed out has ended (a process that never reloads pays nothing)', async () => {
    const first = await load('1')
    expect(await versionOf(first)).toBe('[{"result":"1"}]')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(spawned).toHaveLength(2)
    expect(pool.spares()).toEqual({ total: 0, warm: 0 })
  })

  it('fills its spares once a thread it handed out ends, and the next policy starts on them', async () => {
    open[0]!.close()
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    const spares = spawned.slice(2)
    expect(spares).toHaveLength(2)

    const second = await load('2')
    // The two spares were taken (none was started for this policy), and two new ones refill the pool.
    expect(spawned).toHaveLength(6)
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    expect(await versionOf(second)).toBe('[{"result":"2"}]')
    // Closing the policy ends exactly the spares it took.
    second.close()
    await Promise.all(spares.map(exited))
    expect(spawned.slice(4).every((worker) => !ended.has(worker))).toBe(true)
  })

  it("answers from spare threads with its own data, never an earlier policy's", async () => {
    await vi.waitFor(() => expect(pool.spares().warm).toBe(2), WAIT)
    const third = await load('3')
    await vi.waitFor(() => expect(pool.spares().warm).toBe(2), WAIT)
    const fourth = await load('4')
    const answers = await Promise.all([
      versionOf(third),
      versionOf(fourth),
      versionOf(third),
      versionOf(fourth),
    ])
    expect(answers).toEqual(['[{"result":"3"}]', '[{"result":"4"}]', '[{"result":"3"}]', '[{"result":"4"}]'])
    third.close()
    await expect(versionOf(third)).rejects.toBeInstanceOf(ClearanceError)
    expect(await versionOf(fourth)).toBe('[{"result":"4"}]')
    fourth.close()
  })

  it('loads the policy it is given on a spare whose warm-up module was not a policy', async () => {
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    const taken = await load('9')
    // The spares started for this refill warm up on bytes no runtime can compile.
    pool.prime({ prime: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 255]) })
    taken.close()
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    const after = await load('10')
    expect(await versionOf(after)).toBe('[{"result":"10"}]')
    after.close()
  })

  it('replaces a spare that dies while it waits', async () => {
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    const before = spawned.length
    await spawned.at(-1)!.terminate()
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    expect(spawned).toHaveLength(before + 1)
  })

  it('never keeps more spares than asked, however many policies are started and retired', async () => {
    for (const version of ['5', '6', '7']) (await load(version)).close()
    await vi.waitFor(() => expect(alive()).toHaveLength(2), WAIT)
    await vi.waitFor(() => expect(pool.spares()).toEqual({ total: 2, warm: 2 }), WAIT)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(alive()).toHaveLength(2)
  })

  it('never keeps the process alive: one holding warm spares exits when its work is done', async () => {
    const script = new URL('./support/hold-spares.ts', import.meta.url)
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script.pathname], {
      timeout: 60_000,
    })
    expect(JSON.parse(stdout)).toEqual({ total: 2, warm: 2 })
  }, 90_000)

  it('terminates its spares when closed, and starts threads cold afterwards without keeping any', async () => {
    const spares = alive()
    expect(spares).toHaveLength(2)
    pool.close()
    await Promise.all(spares.map(exited))
    expect(pool.spares()).toEqual({ total: 0, warm: 0 })

    const before = spawned.length
    const late = await load('8')
    expect(await versionOf(late)).toBe('[{"result":"8"}]')
    late.close()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(spawned).toHaveLength(before + 2)
    expect(pool.spares().total).toBe(0)
  })
})
