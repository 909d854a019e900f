// Shadow bundles under load through a real socket: 2,000 decisions at 16 in flight against `clearance serve`
// logic with a shadow bundle that removes a grant and lifts a revocation. Every enforced answer must be what the
// enforced bundle alone answers, and the divergence counters, metrics and decision log must match a count made
// here with two in-process evaluators, one per bundle.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { serveConfigFromOptions } from '../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../engine/main.js'
import { createLocalEvaluator, type LocalEvaluator } from '../../../sdk/local/index.js'
import { silentLog } from '../../helpers/app.js'
import { tempDir } from '../../helpers/fixtures.js'
import { copyPolicies, editCatalog, scenarios } from '../rollout/support.js'

const REQUESTS = 2000
const CONCURRENCY = 16

type Change = 'unchanged' | 'newly_allowed' | 'newly_denied' | 'changed'

interface Verdict {
  allow: boolean
  reasons: unknown[]
  obligations: unknown[]
}

function changeOf(before: Verdict, after: Verdict): Change {
  if (isDeepStrictEqual(before, after)) return 'unchanged'
  if (!before.allow && after.allow) return 'newly_allowed'
  if (before.allow && !after.allow) return 'newly_denied'
  return 'changed'
}

interface ShadowStatusBody {
  result: {
    shadow: {
      revisions: Record<string, string>
      decisions: Record<string, number>
      dropped: { queue_full: number; not_active: number }
    }
  }
}

describe('clearance serve --shadow-bundle', () => {
  let dir: string
  let enforcedBundle: string
  let shadowBundle: string
  let inputs: unknown[]
  let expectedVerdicts: Verdict[]
  let expectedChanges: Change[]

  beforeAll(async () => {
    dir = join(await tempDir(), 'shadow')
    await mkdir(dir, { recursive: true })
    const enforcedDir = await copyPolicies(join(dir, 'enforced'))
    const shadowDir = await copyPolicies(join(dir, 'shadow'))
    await editCatalog(shadowDir, (catalog) => {
      const payments = catalog.grants!.payments as Record<string, Record<string, unknown>>
      delete payments['payments.v1.Payments/Charge']!.orders
      delete (catalog.revoked as Record<string, unknown>)['spiffe://shop.example/ns/batch/sa/reporting-job']
    })
    enforcedBundle = join(dir, 'enforced.tar.gz')
    shadowBundle = join(dir, 'shadow.tar.gz')
    await buildBundle({ source: enforcedDir, output: enforcedBundle, revision: 'enforced' })
    await buildBundle({ source: shadowDir, output: shadowBundle, revision: 'shadow' })

    const enforced: LocalEvaluator = await createLocalEvaluator({ bundles: [`clearance=${enforcedBundle}`] })
    const shadow: LocalEvaluator = await createLocalEvaluator({ bundles: [`clearance=${shadowBundle}`] })
    inputs = []
    expectedVerdicts = []
    expectedChanges = []
    for (const scenario of await scenarios()) {
      const a = await enforced.check(scenario.input)
      const b = await shadow.check(scenario.input)
      if (a.error !== undefined || b.error !== undefined) continue
      inputs.push(scenario.input)
      const verdict = { allow: a.allow, reasons: a.reasons, obligations: a.obligations }
      expectedVerdicts.push(verdict)
      expectedChanges.push(
        changeOf(verdict, { allow: b.allow, reasons: b.reasons, obligations: b.obligations }),
      )
    }
    await enforced.close()
    await shadow.close()
  }, 120_000)

  describe('under load', () => {
    let server: RunningServer
    const logFile = (): string => join(dir, 'shadow-decisions.jsonl')
    const sentChanges: Change[] = []
    const idToChange = new Map<string, Change>()
    let mismatches = 0

    beforeAll(async () => {
      server = await startServer(
        serveConfigFromOptions({
          bundle: [`clearance=${enforcedBundle}`],
          shadowBundle: [`clearance=${shadowBundle}`],
          addr: '127.0.0.1:0',
          decisionLogFile: logFile(),
          shadowQueueEvents: String(REQUESTS),
        }),
        silentLog,
      )
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < REQUESTS) {
          const i = next++
          const which = i % inputs.length
          const response = await fetch(`${server.url}/v1/check`, {
            method: 'POST',
            body: JSON.stringify(inputs[which]),
          })
          const body = (await response.json()) as Verdict & { decision_id: string }
          const { decision_id: id, allow, reasons, obligations } = body
          if (
            response.status !== 200 ||
            !isDeepStrictEqual({ allow, reasons, obligations }, expectedVerdicts[which])
          ) {
            mismatches++
          }
          sentChanges.push(expectedChanges[which]!)
          idToChange.set(id, expectedChanges[which]!)
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    }, 120_000)

    afterAll(async () => {
      await server?.close()
    })

    it('answers every request exactly as the enforced bundle alone does', () => {
      expect(sentChanges).toHaveLength(REQUESTS)
      expect(mismatches).toBe(0)
    })

    it('counts divergences in /v1/status equal to an independent count', async () => {
      const expected: Record<string, number> = {
        unchanged: 0,
        newly_allowed: 0,
        newly_denied: 0,
        changed: 0,
        error: 0,
      }
      for (const change of sentChanges) expected[change]!++
      expect(expected.newly_denied).toBeGreaterThan(0)
      let status: ShadowStatusBody | undefined
      const until = Date.now() + 15_000
      for (;;) {
        status = (await (await fetch(`${server.url}/v1/status`)).json()) as ShadowStatusBody
        const done = Object.values(status.result.shadow.decisions).reduce((a, b) => a + b, 0)
        if (done >= REQUESTS || Date.now() > until) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(status!.result.shadow.revisions).toEqual({ clearance: 'shadow' })
      expect(status!.result.shadow.dropped).toEqual({ queue_full: 0, not_active: 0 })
      expect(status!.result.shadow.decisions).toEqual(expected)

      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      for (const [change, count] of Object.entries(expected)) {
        if (count === 0) continue
        expect(metrics).toContain(
          `clearance_shadow_decisions_total{path="clearance/authz/decision",change="${change}"} ${count}`,
        )
      }
    })

    it('writes shadow {revision, result, change} into each decision-log event', async () => {
      let lines: string[] = []
      const until = Date.now() + 15_000
      while (Date.now() < until) {
        lines = (await readFile(logFile(), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
        if (lines.length >= REQUESTS) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(lines).toHaveLength(REQUESTS)
      let wrong = 0
      for (const line of lines) {
        const event = JSON.parse(line) as {
          decision_id: string
          shadow?: { revision: string; change: string; result?: unknown }
        }
        if (event.shadow?.revision !== 'shadow' || event.shadow.change !== idToChange.get(event.decision_id))
          wrong++
        if (event.shadow?.result === undefined) wrong++
      }
      expect(wrong).toBe(0)
    })

    it('lists recent divergences with both answers and their reasons', async () => {
      const body = (await (await fetch(`${server.url}/v1/shadow/divergences?limit=5`)).json()) as {
        result: Array<{
          decision_id: string
          result: { reasons: unknown[] }
          shadow: { change: string; result: { reasons: unknown[] } }
        }>
      }
      expect(body.result).toHaveLength(5)
      for (const event of body.result) {
        expect(event.shadow.change).not.toBe('unchanged')
        expect(event.shadow.change).toBe(idToChange.get(event.decision_id))
        expect(Array.isArray(event.result.reasons)).toBe(true)
        expect(Array.isArray(event.shadow.result.reasons)).toBe(true)
      }
    })
  })

  it('keeps serving when the shadow bundle is broken, counting decisions it could not shadow', async () => {
    const broken = join(dir, 'broken.tar.gz')
    await writeFile(broken, 'not a bundle')
    const server = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${enforcedBundle}`],
        shadowBundle: [`clearance=${broken}`],
        addr: '127.0.0.1:0',
      }),
      silentLog,
    )
    try {
      for (const [i, input] of inputs.slice(0, 10).entries()) {
        const response = await fetch(`${server.url}/v1/check`, {
          method: 'POST',
          body: JSON.stringify(input),
        })
        expect(response.status).toBe(200)
        expect(((await response.json()) as Verdict).allow).toBe(expectedVerdicts[i]!.allow)
      }
      const status = (await (await fetch(`${server.url}/v1/status`)).json()) as ShadowStatusBody
      expect(status.result.shadow.revisions).toEqual({})
      expect(status.result.shadow.dropped.not_active).toBe(10)
    } finally {
      await server.close()
    }
  })

  it('hides recent divergences behind the API authentication', async () => {
    const tokens = join(dir, 'tokens.txt')
    await writeFile(tokens, 'secret-token\n')
    const server = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${enforcedBundle}`],
        shadowBundle: [`clearance=${shadowBundle}`],
        addr: '127.0.0.1:0',
        authentication: 'token',
        tokenFile: tokens,
      }),
      silentLog,
    )
    try {
      const refused = await fetch(`${server.url}/v1/shadow/divergences`)
      expect(refused.status).toBe(401)
      const allowed = await fetch(`${server.url}/v1/shadow/divergences`, {
        headers: { authorization: 'Bearer secret-token' },
      })
      expect(allowed.status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
