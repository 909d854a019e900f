// The in-process evaluator: decisions from the same bundles the server loads, with ids and revisions, failing
// closed like the HTTP client, and following the bundles as they change (watched files, bundle servers).
import { copyFile, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalEvaluator, type LocalEvaluator, PdpError } from '../../sdk/local/index.js'
import { buildFixture, tempDir } from '../helpers/fixtures.js'
import { buildPolicyBundle, POLICIES } from './support/policy-bundle.js'

const EXAMPLE = JSON.parse(
  await readFile(join(POLICIES, 'examples', 'allow-orders-to-payments.json'), 'utf8'),
) as Record<string, unknown>

async function eventually(probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('local evaluator on a data bundle', () => {
  let evaluator: LocalEvaluator

  beforeAll(async () => {
    evaluator = await createLocalEvaluator({ bundles: [`basic=${await buildFixture('basic')}`] })
  })

  afterAll(async () => {
    await evaluator.close()
  })

  it('decides in-process from the same bundle, with id and revision', async () => {
    const decision = await evaluator.evaluate<boolean>('example/authz/allow', { user: 'alice' })
    expect(decision.result).toBe(true)
    expect(decision.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(decision.revisions).toEqual({ basic: 'rev-basic' })
    expect(evaluator.revisions()).toEqual({ basic: 'rev-basic' })
    expect(evaluator.ready()).toBe(true)
  })

  it('passes falsy inputs through and reports undefined documents as undefined', async () => {
    expect((await evaluator.evaluate('example/authz/echo', false)).result).toBe(false)
    expect((await evaluator.evaluate('example/authz/echo', 0)).result).toBe(0)
    expect((await evaluator.evaluate('example/authz/echo')).result).toBeUndefined()
    expect((await evaluator.evaluate('example/authz/echo')).error).toBeUndefined()
  })

  it('answers a failing policy with no result and the coded error instead of throwing', async () => {
    const decision = await evaluator.evaluate('example/authz/conflict', { values: [1, 2] })
    expect(decision.result).toBeUndefined()
    // a conflict, in OPA's shape: internal_error (with an eval_conflict_error entry)
    expect(decision.error).toMatchObject({ code: 'pdp_error', pdpCode: 'internal_error' })
  })

  it('throws PdpError when the caller asks for throwOnError', async () => {
    await expect(
      evaluator.evaluate('example/authz/conflict', { values: [1, 2] }, { throwOnError: true }),
    ).rejects.toThrow(PdpError)
  })

  it('throws for every call of an evaluator created with throwOnError, unless a call says otherwise', async () => {
    const strict = await createLocalEvaluator({
      bundles: [`basic=${await buildFixture('basic')}`],
      throwOnError: true,
    })
    await expect(strict.evaluate('example/authz/conflict', { values: [1, 2] })).rejects.toThrow(PdpError)
    expect(
      (await strict.evaluate('example/authz/conflict', { values: [1, 2] }, { throwOnError: false })).error,
    ).toBeDefined()
    await strict.close()
  })

  it('denies a check when the bundles have no decision entrypoint', async () => {
    const decision = await evaluator.check({})
    expect(decision.allow).toBe(false)
    expect(decision.error).toMatchObject({ code: 'pdp_error' })
  })
})

describe('local evaluator with an evaluation time limit', () => {
  it('answers an overrunning evaluation with an evaluation_error and decides again once the instance is replaced', async () => {
    const guarded = await createLocalEvaluator({
      bundles: [`slow=${await buildFixture('slow-loop')}`],
      evaluationTimeoutMs: 200,
    })
    try {
      expect((await guarded.evaluate('slow/pairs', { n: 5 })).result).toBe(true)
      const stopped = await guarded.evaluate('slow/pairs', { n: 1000 })
      expect(stopped.result).toBeUndefined()
      expect(stopped.error).toMatchObject({ code: 'pdp_error', pdpCode: 'evaluation_error' })
      expect(stopped.error?.message).toMatch(/200 ms time limit/)
      await eventually(async () => (await guarded.evaluate('slow/pairs', { n: 5 })).result === true, 15_000)
    } finally {
      await guarded.close()
    }
    expect((await guarded.evaluate('slow/pairs', { n: 5 })).error).toBeDefined()
  })
})

describe('local evaluator on the policy library', () => {
  let bundle: string
  let evaluator: LocalEvaluator

  beforeAll(async () => {
    bundle = await buildPolicyBundle('local-1')
    evaluator = await createLocalEvaluator({ bundles: [`clearance=${bundle}`] })
  })

  afterAll(async () => {
    await evaluator.close()
  })

  it('checks an input as POST /v1/check does: id, verdict, obligations and revisions', async () => {
    const decision = await evaluator.check(EXAMPLE)
    expect(decision).toMatchObject({
      allow: true,
      reasons: [{ code: 'grant_matched' }],
      obligations: [{ type: 'audit' }, { type: 'mask_fields', fields: ['card.expiry', 'card.pan'] }],
      revisions: { clearance: 'local-1' },
    })
    expect(decision.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(decision.error).toBeUndefined()
  })

  it('validates the input as it would be sent: a Date is its ISO text', async () => {
    const decision = await evaluator.check({ ...EXAMPLE, time: new Date('2025-06-01T12:00:00Z') })
    expect(decision.allow).toBe(true)
  })

  it('denies an input that fails the schema, naming the failing fields', async () => {
    const decision = await evaluator.check({ ...EXAMPLE, time: 'yesterday' })
    expect(decision.allow).toBe(false)
    expect(decision.error).toMatchObject({ code: 'pdp_error', pdpCode: 'invalid_parameter' })
    expect(decision.reasons.slice(1)).toEqual([
      { code: 'invalid_field', message: expect.stringContaining('input.time') },
    ])
  })

  it('can leave schema validation to the policy', async () => {
    const lenient = await createLocalEvaluator({ bundles: [`clearance=${bundle}`], inputSchema: false })
    const decision = await lenient.check({ ...EXAMPLE, time: 'yesterday' })
    expect(decision.error).toBeUndefined()
    await lenient.close()
  })

  it('refuses a bundle that cannot be read at creation', async () => {
    await expect(
      createLocalEvaluator({ bundles: ['missing=/nonexistent/bundle.tar.gz'] }),
    ).rejects.toMatchObject({
      code: 'bundle_error',
    })
  })
})

describe('local evaluator following its bundles', () => {
  let r1: string
  let r2: string

  beforeAll(async () => {
    r1 = await buildPolicyBundle('watch-1')
    r2 = await buildPolicyBundle('watch-2')
  })

  it('hot-reloads a watched bundle file and decides with the new revision', async () => {
    const dir = await tempDir()
    const live = join(dir, 'live-clearance.tar.gz')
    await copyFile(r1, live)
    const evaluator = await createLocalEvaluator({ bundles: [`clearance=${live}`], watch: true })
    try {
      expect((await evaluator.check(EXAMPLE)).revisions).toEqual({ clearance: 'watch-1' })
      const staged = join(dir, 'staged.tar.gz.tmp')
      await copyFile(r2, staged)
      await rename(staged, live)
      await eventually(() => evaluator.revisions().clearance === 'watch-2')
      const decision = await evaluator.check(EXAMPLE)
      expect(decision).toMatchObject({ allow: true, revisions: { clearance: 'watch-2' } })
    } finally {
      await evaluator.close()
    }
  })

  it('tells listeners of each activation and of a refused bundle, and keeps deciding with the last good one', async () => {
    const dir = await tempDir()
    const live = join(dir, 'live-clearance.tar.gz')
    await copyFile(r1, live)
    const evaluator = await createLocalEvaluator({ bundles: [`clearance=${live}`], watch: true })
    const activations: unknown[] = []
    const errors: Array<{ bundle: string; code: string; message: string }> = []
    evaluator.on('activate', (event) => activations.push(event.revisions))
    evaluator.on('bundle-error', (event) => errors.push(event))
    try {
      await writeFile(join(dir, 'broken.tmp'), 'not a bundle')
      await rename(join(dir, 'broken.tmp'), live)
      await eventually(() => errors.length > 0)
      expect(errors[0]).toMatchObject({ bundle: 'clearance', code: 'bundle_error' })
      expect((await evaluator.check(EXAMPLE)).revisions).toEqual({ clearance: 'watch-1' })
      await copyFile(r2, join(dir, 'staged.tmp'))
      await rename(join(dir, 'staged.tmp'), live)
      await eventually(() => activations.length > 0)
      expect(activations).toEqual([{ clearance: 'watch-2' }])
    } finally {
      await evaluator.close()
    }
  })

  it('denies with pdp_unavailable once a watched bundle is deleted, or keeps it with onDelete: keep', async () => {
    for (const onDelete of ['drop', 'keep'] as const) {
      const dir = await tempDir()
      const live = join(dir, 'live-clearance.tar.gz')
      await copyFile(r1, live)
      const evaluator = await createLocalEvaluator({ bundles: [`clearance=${live}`], watch: true, onDelete })
      const activations: unknown[] = []
      evaluator.on('activate', (event) => activations.push(event.revisions))
      try {
        await unlink(live)
        if (onDelete === 'drop') {
          await eventually(() => activations.length > 0)
          const decision = await evaluator.check(EXAMPLE)
          expect(decision).toMatchObject({ allow: false, error: { code: 'pdp_unavailable' } })
        } else {
          await new Promise((resolve) => setTimeout(resolve, 600))
          expect(activations).toEqual([])
          expect(await evaluator.check(EXAMPLE)).toMatchObject({
            allow: true,
            revisions: { clearance: 'watch-1' },
          })
        }
      } finally {
        await evaluator.close()
      }
    }
  })

  it('loads a bundle from a bundle server URL', async () => {
    const bytes = await readFile(r2)
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip', etag: '"r2"' })
      res.end(bytes)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const evaluator = await createLocalEvaluator({
      bundles: [`clearance=http://127.0.0.1:${port}/bundles/clearance.tar.gz`],
    })
    try {
      await evaluator.whenReady()
      expect(await evaluator.check(EXAMPLE)).toMatchObject({
        allow: true,
        revisions: { clearance: 'watch-2' },
      })
    } finally {
      await evaluator.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('denies every decision with pdp_unavailable until a URL bundle has activated', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(503)
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const evaluator = await createLocalEvaluator({ bundles: [`http://127.0.0.1:${port}/clearance.tar.gz`] })
    try {
      expect(evaluator.ready()).toBe(false)
      const decision = await evaluator.check(EXAMPLE)
      expect(decision.allow).toBe(false)
      expect(decision.error?.code).toBe('pdp_unavailable')
      expect((await evaluator.evaluate('clearance/authz/allow', EXAMPLE)).error?.code).toBe('pdp_unavailable')
    } finally {
      await evaluator.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
