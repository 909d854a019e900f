// The policy library end to end: every scenario of policies/scenarios.json through `clearance serve` on
// 127.0.0.1 (POST /v1/check and the Data API), and the input schema guarding /v1/check.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../../engine/config/config.js'
import { type RunningServer, startServer } from '../../engine/main.js'
import { silentLog } from '../helpers/app.js'
import { buildPolicyBundle, POLICIES } from '../helpers/policy-bundle.js'

interface Scenario {
  name: string
  description: string
  input: unknown
  expected: {
    allow: boolean
    reason_codes: string[]
    obligation_types: string[]
    reason_count?: number
    reasons_mention?: Array<{ code: string; text: string }>
  }
}

interface Reason {
  code: string
  message: string
}

// One reason per cause and reasons a person can act on: the optional count and the fragments a reason of a code
// must mention hold for policy reasons and for the schema's 400 errors alike.
function expectReasonsAsStated(reasons: Reason[], expected: Scenario['expected']): void {
  expect([...new Set(reasons.map((r) => r.code))].sort()).toEqual([...new Set(expected.reason_codes)].sort())
  if (expected.reason_count !== undefined) expect(reasons).toHaveLength(expected.reason_count)
  for (const { code, text } of expected.reasons_mention ?? []) {
    expect(reasons.filter((r) => r.code === code).map((r) => r.message)).toContainEqual(
      expect.stringContaining(text),
    )
  }
}

const { scenarios } = JSON.parse(readFileSync(join(POLICIES, 'scenarios.json'), 'utf8')) as {
  scenarios: Scenario[]
}
const example = JSON.parse(
  readFileSync(join(POLICIES, 'examples', 'allow-orders-to-payments.json'), 'utf8'),
) as Record<string, unknown>

interface Verdict {
  decision_id: string
  allow: boolean
  reasons: Reason[]
  obligations: Array<{ type: string }>
  provenance: { bundles: Record<string, { revision: string }> }
}

describe('policy library through clearance serve', () => {
  let server: RunningServer
  const check = async (
    input: unknown,
  ): Promise<{ status: number; body: Verdict & Record<string, unknown> }> => {
    const res = await fetch(`${server.url}/v1/check`, { method: 'POST', body: JSON.stringify(input) })
    return { status: res.status, body: await res.json() }
  }

  beforeAll(async () => {
    const bundle = await buildPolicyBundle('scenario-rev')
    server = await startServer(
      serveConfigFromOptions({ bundle: [`clearance=${bundle}`], addr: '127.0.0.1:0' }),
      silentLog,
    )
  })

  afterAll(async () => {
    await server.close()
  })

  it('has a realistic table of scenarios, allows and denies both', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(25)
    expect(scenarios.some((s) => s.expected.allow)).toBe(true)
    expect(scenarios.some((s) => !s.expected.allow)).toBe(true)
  })

  for (const scenario of scenarios) {
    it(`${scenario.expected.allow ? 'allows' : 'denies'}: ${scenario.name}`, async () => {
      const { status, body } = await check(scenario.input)
      if (status === 400) {
        // A malformed input is refused by the schema before evaluation, which is a deny.
        // Its errors carry the policy's own codes (missing_field, invalid_field) for the same faults.
        expect(scenario.expected.allow).toBe(false)
        expect(body.code).toBe('invalid_parameter')
        expectReasonsAsStated(body.errors as Reason[], scenario.expected)
        return
      }
      expect(status).toBe(200)
      expect(body.allow).toBe(scenario.expected.allow)
      expectReasonsAsStated(body.reasons, scenario.expected)
      expect([...new Set(body.obligations.map((o) => o.type))].sort()).toEqual(
        [...new Set(scenario.expected.obligation_types)].sort(),
      )
      expect(body.decision_id).toMatch(/^[0-9a-f-]{36}$/)
      expect(body.provenance.bundles).toEqual({ clearance: { revision: 'scenario-rev' } })
      for (const reason of body.reasons) expect(reason.message.length).toBeGreaterThan(20)
    })
  }

  it('answers the same verdict through the OPA Data API', async () => {
    for (const scenario of scenarios.slice(0, 10)) {
      const res = await fetch(`${server.url}/v1/data/clearance/authz/decision`, {
        method: 'POST',
        body: JSON.stringify({ input: scenario.input }),
      })
      const body = await res.json()
      expect(body.result.allow).toBe(scenario.expected.allow)
      const allow = await fetch(`${server.url}/v1/data/clearance/authz/allow`, {
        method: 'POST',
        body: JSON.stringify({ input: scenario.input }),
      })
      expect((await allow.json()).result).toBe(scenario.expected.allow)
    }
  })

  it('refuses a body that breaks the input schema with 400 naming the fields, evaluating nothing', async () => {
    const { status, body } = await check({ ...example, subject: { type: 'robot' }, time: 42 })
    expect(status).toBe(400)
    expect(body.code).toBe('invalid_parameter')
    const messages = (body.errors as Array<{ code: string; message: string }>)
      .map((e) => e.message)
      .join('\n')
    expect(messages).toContain('input.time')
    expect(messages).toContain('input.subject')
    expect(body.decision_id).toBeUndefined()
    expect(body.allow).toBeUndefined()
  })

  it('refuses malformed JSON and non-object bodies with 400', async () => {
    const res = await fetch(`${server.url}/v1/check`, { method: 'POST', body: '{"subject":' })
    expect(res.status).toBe(400)
    expect((await check([1, 2])).status).toBe(400)
  })

  it('denies by default: a valid request to an unknown service names what was missing', async () => {
    const target = { ...(example.target as Record<string, unknown>), service: 'no-such-service' }
    const { status, body } = await check({ ...example, target })
    expect(status).toBe(200)
    expect(body.allow).toBe(false)
    expect(body.reasons.map((r) => r.message).join(' ')).toContain('no-such-service')
  })
})
