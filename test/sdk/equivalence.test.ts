// The same input and revision give the same answer over HTTP (a real server on 127.0.0.1, raw and through the
// client) and from the in-process evaluator: a corpus of generated inputs, compared decision by decision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInputValidator } from '../../engine/decision/input-schema.js'
import type { RunningServer } from '../../engine/main.js'
import { type Client, createClient } from '../../sdk/index.js'
import { createLocalEvaluator, type LocalEvaluator } from '../../sdk/local/index.js'
import { generateInputs, readInputSchema } from './support/input-corpus.js'
import { buildPolicyBundle, servePolicyBundle } from './support/policy-bundle.js'

const CORPUS_SIZE = 240
const SEED = 20250601

describe('server and local evaluator equivalence', () => {
  const inputs = generateInputs(CORPUS_SIZE, SEED)
  let server: RunningServer
  let client: Client
  let local: LocalEvaluator

  beforeAll(async () => {
    const bundle = await buildPolicyBundle('equivalence-1')
    server = await servePolicyBundle(bundle)
    client = createClient({ url: server.url, timeoutMs: 5_000, throwOnError: true })
    local = await createLocalEvaluator({ bundles: [`clearance=${bundle}`], throwOnError: true })
  })

  afterAll(async () => {
    await local?.close()
    await server?.close()
  })

  it('generates the same corpus for the same seed, every input valid per the schema', () => {
    expect(generateInputs(CORPUS_SIZE, SEED)).toEqual(inputs)
    const validate = createInputValidator(readInputSchema())
    const invalid = inputs.map((input, index) => ({ index, problems: validate(input) }))
    expect(invalid.filter(({ problems }) => problems.length > 0)).toEqual([])
  })

  it('answers every input with identical allow, reasons and obligations over HTTP and in-process', async () => {
    const mismatches: unknown[] = []
    const codes = new Set<string>()
    const obligationTypes = new Set<string>()
    let allowed = 0
    for (const [index, input] of inputs.entries()) {
      const res = await fetch(`${server.url}/v1/check`, { method: 'POST', body: JSON.stringify(input) })
      expect(res.status).toBe(200)
      const raw = (await res.json()) as { allow: boolean; reasons: unknown[]; obligations: unknown[] }
      const viaClient = await client.check(input)
      const inProcess = await local.check(input)
      const served = { allow: raw.allow, reasons: raw.reasons, obligations: raw.obligations }
      const fromClient = {
        allow: viaClient.allow,
        reasons: viaClient.reasons,
        obligations: viaClient.obligations,
      }
      const fromLocal = {
        allow: inProcess.allow,
        reasons: inProcess.reasons,
        obligations: inProcess.obligations,
      }
      if (!isDeepEqual(served, fromLocal) || !isDeepEqual(served, fromClient)) {
        mismatches.push({ index, input, served, fromClient, fromLocal })
      }
      expect(inProcess.revisions).toEqual(viaClient.revisions)
      expect(inProcess.decisionId).toMatch(/^[0-9a-f-]{36}$/)
      if (inProcess.allow) allowed++
      for (const reason of inProcess.reasons) codes.add(reason.code)
      for (const obligation of inProcess.obligations) obligationTypes.add(obligation.type)
    }
    expect(mismatches).toEqual([])
    // The corpus exercises the policy, not one branch of it.
    expect(allowed).toBeGreaterThanOrEqual(CORPUS_SIZE / 5)
    expect(CORPUS_SIZE - allowed).toBeGreaterThanOrEqual(CORPUS_SIZE / 5)
    expect(codes.size).toBeGreaterThanOrEqual(15)
    expect(obligationTypes.size).toBeGreaterThanOrEqual(4)
  })

  it('refuses an input that fails the schema with the same reasons over HTTP and in-process', async () => {
    const bad = { ...inputs[0], purpose: 'Not A Purpose', extra: true }
    const viaClient = await client.check(bad, { throwOnError: false })
    const inProcess = await local.check(bad, { throwOnError: false })
    expect(viaClient.allow).toBe(false)
    expect(viaClient.error).toMatchObject({ code: 'pdp_error', pdpCode: 'invalid_parameter', status: 400 })
    expect(inProcess.error).toMatchObject({ code: 'pdp_error', pdpCode: 'invalid_parameter' })
    expect(inProcess.reasons).toEqual(viaClient.reasons)
    expect(viaClient.reasons.map((reason) => reason.code)).toContain('invalid_field')
  })
})

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toStrictEqual(b)
    return true
  } catch {
    return false
  }
}
