// The decision cache through a real `clearance serve` process and socket: repeated inputs are answered from the
// cache (its metrics count them), the answer is the evaluated one, and --decision-cache off evaluates every time.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { type ServeProcess, startServe } from '../../helpers/clearance-cli.js'
import { tempDir } from '../../helpers/fixtures.js'

const POLICY = `package e2e.cache

import rego.v1

# METADATA
# entrypoint: true
default allow := false

allow if input.user in data.e2e.cache.users
`

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((row) => row.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(' ')[1])
}

describe('clearance serve with the decision cache', () => {
  let bundle: string
  let server: ServeProcess | undefined

  beforeAll(async () => {
    const dir = await tempDir()
    const source = join(dir, 'src')
    await mkdir(join(source, 'e2e', 'cache'), { recursive: true })
    await writeFile(join(source, 'policy.rego'), POLICY)
    await writeFile(join(source, 'e2e', 'cache', 'data.json'), JSON.stringify({ users: ['alice'] }))
    bundle = join(dir, 'bundle.tar.gz')
    await buildBundle({ source, output: bundle, revision: 'e2e' })
  }, 60_000)

  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  const ask = async (url: string, user: string): Promise<unknown> => {
    const res = await fetch(`${url}/v1/data/e2e/cache/allow`, {
      method: 'POST',
      body: JSON.stringify({ input: { user } }),
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { result: unknown }).result
  }

  it('answers a repeated input from the cache, with the evaluated answer', async () => {
    server = await startServe(['--bundle', bundle])
    expect(await ask(server.url, 'alice')).toBe(true)
    expect(await ask(server.url, 'alice')).toBe(true)
    expect(await ask(server.url, 'bob')).toBe(false)
    expect(await ask(server.url, 'bob')).toBe(false)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metric(metrics, 'clearance_decision_cache_hits_total')).toBe(2)
    expect(metric(metrics, 'clearance_decision_cache_misses_total')).toBe(2)
    expect(metric(metrics, 'clearance_decision_cache_entries')).toBe(2)
  }, 60_000)

  it('evaluates every decision with --decision-cache off', async () => {
    server = await startServe(['--bundle', bundle, '--decision-cache', 'off'])
    expect(await ask(server.url, 'alice')).toBe(true)
    expect(await ask(server.url, 'alice')).toBe(true)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metric(metrics, 'clearance_decision_cache_hits_total')).toBe(0)
    expect(metric(metrics, 'clearance_decision_cache_misses_total')).toBe(0)
  }, 60_000)
})
