// A bounded, seeded mutation fuzzer with OPA as the oracle. Inputs start from the policy library's 67 scenarios
// and are mutated (a leaf swapped for another scenario's value, a key dropped or added, a type changed, a key
// duplicated in the raw text, case and whitespace variants); each goes to Clearance's Data API, batch API and
// POST /v1/check, and to `opa run --server` on the same bundle. The same scenarios as AuthZEN requests (the
// mapping of policies/clearance/authzen/adapter.rego, inverted) are mutated likewise and go to the AuthZEN
// endpoints (single and batch), with OPA evaluating the adapter's decision as the oracle. Asserted: no 5xx that
// OPA does not share for the same input, no crash, and no allow from Clearance that OPA does not also give.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startOpa } from '../../../bench/support/servers.js'
import { resolveOpaBinary } from '../../../engine/build/opa-binary.js'
import { serveConfigFromOptions } from '../../../engine/config/config.js'
import { type RunningServer, startServer } from '../../../engine/main.js'
import { silentLog } from '../../helpers/app.js'
import { buildPolicyBundle, POLICIES } from '../../helpers/policy-bundle.js'
import { seededRandom } from '../../helpers/seeded-random.js'

const SEED = 20261203
const ROUNDS = 800
const CONCURRENCY = 4
const DECISION = 'clearance/authz/decision'
const AUTHZEN_DECISION = 'clearance/authzen/decision'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const scenarios = (
  JSON.parse(readFileSync(join(POLICIES, 'scenarios.json'), 'utf8')) as { scenarios: Array<{ input: Json }> }
).scenarios.map((s) => s.input)

type Obj = { [key: string]: Json }

/** A scenario input as the AuthZEN request the adapter maps onto it. */
function asAuthzen(input: Json): Json {
  // Some scenarios leave the subject or the target out on purpose.
  const { subject = {}, target = {}, ...context } = input as { subject?: Obj; target?: Obj } & Obj
  const operation = (target.operation ?? {}) as Obj
  const { type, id, spiffe_id, cert_fingerprint, ...properties } = subject
  return {
    subject:
      type === 'service'
        ? { type, id: spiffe_id ?? cert_fingerprint ?? '' }
        : { type: type ?? 'user', id: id ?? '', properties },
    action: {
      name: typeof operation.rpc === 'string' ? operation.rpc : `${operation.method} ${operation.path}`,
    },
    resource: { type: 'service', id: target.service ?? '' },
    context,
  }
}
const authzenRequests = scenarios.map(asAuthzen)

/** Every leaf value and key in the seeds: the dictionary mutations draw from. */
function dictionary(seeds: readonly Json[]): { leaves: Json[]; keys: string[] } {
  const leaves: Json[] = []
  const keys = new Set<string>()
  const walk = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        keys.add(key)
        walk(child)
      }
    } else leaves.push(value)
  }
  seeds.forEach(walk)
  return { leaves, keys: [...keys] }
}

/** Returns a mutated seed as JSON text (text, so that duplicate keys can be written). */
function mutator(random: () => number, seeds: readonly Json[] = scenarios): () => string {
  const { leaves, keys } = dictionary(seeds)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const paths = (value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> => {
    const out: Array<Array<string | number>> = [prefix]
    if (Array.isArray(value)) {
      value.forEach((child, i) => {
        out.push(...paths(child, [...prefix, i]))
      })
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) out.push(...paths(child, [...prefix, key]))
    }
    return out
  }
  const parentOf = (
    root: Json,
    path: Array<string | number>,
  ): { parent: Json; key: string | number } | undefined => {
    if (path.length === 0) return undefined
    let node = root
    for (const segment of path.slice(0, -1)) node = (node as Record<string, Json>)[segment as string]!
    return { parent: node, key: path[path.length - 1]! }
  }
  const variants = (text: string): string[] => [
    text.toUpperCase(),
    ` ${text}`,
    `${text}\u0000`,
    `${text}/`,
    text.normalize('NFD'),
  ]
  const mutations: Array<(root: Json) => string | undefined> = [
    (root) => {
      const at = parentOf(root, pick(paths(root)))
      if (at !== undefined)
        (at.parent as Record<string, Json>)[at.key as string] = structuredClone(pick(leaves))
      return undefined
    },
    (root) => {
      const at = parentOf(root, pick(paths(root)))
      if (at === undefined) return undefined
      if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1)
      else delete (at.parent as Record<string, Json>)[at.key as string]
      return undefined
    },
    (root) => {
      const at = parentOf(root, pick(paths(root)))
      if (at !== undefined)
        (at.parent as Record<string, Json>)[at.key as string] = pick([
          null,
          true,
          0,
          -1,
          1e300,
          '',
          [],
          {},
        ] as Json[])
      return undefined
    },
    (root) => {
      const at = parentOf(root, pick(paths(root)))
      const container = at === undefined ? root : (at.parent as Record<string, Json>)[at.key as string]
      if (container !== null && typeof container === 'object' && !Array.isArray(container))
        container[pick(keys)] = pick(leaves)
      return undefined
    },
    (root) => {
      const at = parentOf(root, pick(paths(root)))
      if (at === undefined) return undefined
      const value = (at.parent as Record<string, Json>)[at.key as string]
      if (typeof value === 'string')
        (at.parent as Record<string, Json>)[at.key as string] = pick(variants(value))
      return undefined
    },
    // A duplicated key in the raw text: the last one wins, in OPA and in Clearance.
    (root) => {
      if (root === null || typeof root !== 'object' || Array.isArray(root)) return undefined
      const key = pick(Object.keys(root))
      const text = JSON.stringify(root)
      return `{${JSON.stringify(key)}:${JSON.stringify(pick(leaves))},${text.slice(1)}`
    },
  ]
  return () => {
    const root = structuredClone(pick(seeds))
    let text: string | undefined
    const count = 1 + Math.floor(random() * 3)
    for (let i = 0; i < count; i++) text = pick(mutations)(root) ?? text
    return text ?? JSON.stringify(root)
  }
}

interface Tally {
  requests: number
  serverErrors: string[]
  wrongAllows: string[]
  allows: number
}

const allowOf = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { allow?: unknown }).allow === true

async function post(url: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  const text = await res.text()
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }
}

describe('oracle fuzz against OPA', () => {
  let clearance: RunningServer
  let opa: ServerProcess

  beforeAll(async () => {
    const bundle = await buildPolicyBundle('oracle-fuzz')
    clearance = await startServer(
      serveConfigFromOptions({
        bundle: [`clearance=${bundle}`],
        addr: '127.0.0.1:0',
        authzenDecision: AUTHZEN_DECISION,
      }),
      silentLog,
    )
    // OPA evaluates the Rego the bundle was compiled from (it cannot run the bundle's wasm without its engine).
    opa = await startOpa({ opa: await resolveOpaBinary(), bundle: POLICIES, timeoutMs: 60_000 })
  }, 120_000)

  afterAll(async () => {
    await clearance?.close()
    await opa?.stop()
  })

  it(`finds no 5xx, crash or wrong allow in ${ROUNDS} mutated inputs × (Data API, batch, /v1/check)`, {
    timeout: 120_000,
  }, async () => {
    const next = mutator(seededRandom(SEED))
    const tally: Tally = { requests: 0, serverErrors: [], wrongAllows: [], allows: 0 }
    const round = async (): Promise<void> => {
      const input = next()
      const oracle = await post(`${opa.url}/v1/data/${DECISION}`, `{"input":${input}}`)
      const opaAllows = oracle.status === 200 && allowOf(oracle.json.result)
      const opaFailed = oracle.status >= 500
      const judge = (where: string, status: number, allows: boolean, body: unknown): void => {
        tally.requests++
        if (status >= 500 && !opaFailed)
          tally.serverErrors.push(
            `${where} ${status} ${JSON.stringify(body).slice(0, 200)} for ${input.slice(0, 200)}`,
          )
        if (allows) tally.allows++
        if (allows && !opaAllows)
          tally.wrongAllows.push(`${where} allowed what OPA did not: ${input.slice(0, 300)}`)
      }
      const data = await post(`${clearance.url}/v1/data/${DECISION}`, `{"input":${input}}`)
      judge('data', data.status, data.status === 200 && allowOf(data.json.result), data.json)
      const batch = await post(`${clearance.url}/v1/batch/data/${DECISION}`, `{"inputs":{"a":${input}}}`)
      const item = (batch.json.responses as Record<string, Record<string, unknown>> | undefined)?.a
      const itemStatus = item?.http_status_code === undefined ? batch.status : Number(item.http_status_code)
      judge('batch', itemStatus, itemStatus === 200 && allowOf(item?.result), batch.json)
      const check = await post(`${clearance.url}/v1/check`, input)
      judge('check', check.status, check.status === 200 && check.json.allow === true, check.json)
    }
    for (let sent = 0; sent < ROUNDS; sent += CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ROUNDS - sent) }, round))
    }
    const health = await fetch(`${clearance.url}/health?bundles`)
    expect(health.status).toBe(200)
    console.log(
      `oracle fuzz: ${tally.requests} requests, ${tally.serverErrors.length} 5xx, ${tally.wrongAllows.length} wrong allows, ${tally.allows} allows`,
    )
    expect(tally.serverErrors.slice(0, 5)).toEqual([])
    expect(tally.wrongAllows.slice(0, 5)).toEqual([])
    // The fuzzer reaches allows too, so "no wrong allow" is not vacuous.
    expect(tally.allows).toBeGreaterThan(20)
  })
  it(`finds no 5xx, crash or wrong allow in ${ROUNDS} mutated AuthZEN requests × (evaluation, evaluations)`, {
    timeout: 120_000,
  }, async () => {
    const next = mutator(seededRandom(SEED + 1), authzenRequests)
    const tally: Tally = { requests: 0, serverErrors: [], wrongAllows: [], allows: 0 }
    const round = async (): Promise<void> => {
      const request = next()
      const oracle = await post(`${opa.url}/v1/data/${AUTHZEN_DECISION}`, `{"input":${request}}`)
      const opaAllows = oracle.status === 200 && allowOf(oracle.json.result)
      const judge = (where: string, status: number, allows: boolean, body: unknown): void => {
        tally.requests++
        if (status >= 500 && oracle.status < 500)
          tally.serverErrors.push(
            `${where} ${status} ${JSON.stringify(body).slice(0, 200)} for ${request.slice(0, 200)}`,
          )
        if (allows) tally.allows++
        if (allows && !opaAllows)
          tally.wrongAllows.push(`${where} allowed what OPA did not: ${request.slice(0, 300)}`)
      }
      const single = await post(`${clearance.url}/access/v1/evaluation`, request)
      judge('evaluation', single.status, single.status === 200 && single.json.decision === true, single.json)
      const batch = await post(`${clearance.url}/access/v1/evaluations`, `{"evaluations":[${request}]}`)
      const item = (batch.json.evaluations as Array<Record<string, unknown>> | undefined)?.[0]
      judge('evaluations', batch.status, batch.status === 200 && item?.decision === true, batch.json)
    }
    for (let sent = 0; sent < ROUNDS; sent += CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ROUNDS - sent) }, round))
    }
    expect((await fetch(`${clearance.url}/health?bundles`)).status).toBe(200)
    console.log(
      `oracle fuzz (AuthZEN): ${tally.requests} requests, ${tally.serverErrors.length} 5xx, ${tally.wrongAllows.length} wrong allows, ${tally.allows} allows`,
    )
    expect(tally.serverErrors.slice(0, 5)).toEqual([])
    expect(tally.wrongAllows.slice(0, 5)).toEqual([])
    expect(tally.allows).toBeGreaterThan(20)
  })
})
