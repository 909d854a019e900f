// Runs every curl example in README.md, exactly as written, against a server started the way `npm start`
// starts it, and compares each reply with the JSON shown under it. In the shown JSON, "…" stands for any value
// (or, inside a longer string, any text).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveConfigFromOptions } from '../engine/config/config.js'
import { type RunningServer, startServer } from '../engine/main.js'
import { silentLog } from './helpers/app.js'
import { buildPolicyBundle } from './helpers/policy-bundle.js'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const EXAMPLE = /```sh\n(curl [^\n]*)\n```\s*\n+```json\n([\s\S]*?)```/g
const examples = [...README.matchAll(EXAMPLE)].map((match) => ({ command: match[1]!, shown: match[2]! }))

function matches(shown: unknown, actual: unknown): boolean {
  if (shown === '…') return true
  if (typeof shown === 'string' && shown.includes('…')) {
    const pattern = shown
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[\\s\\S]*')
    return typeof actual === 'string' && new RegExp(`^${pattern}$`).test(actual)
  }
  if (Array.isArray(shown)) {
    return (
      Array.isArray(actual) &&
      shown.length === actual.length &&
      shown.every((item, i) => matches(item, actual[i]))
    )
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
    const keys = Object.keys(shown)
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((key) =>
        matches((shown as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key]),
      )
    )
  }
  return shown === actual
}

describe('README examples', () => {
  let server: RunningServer

  beforeAll(async () => {
    const start = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start
    const defaultDecision = /--default-decision (\S+)/.exec(start)?.[1]
    const bundle = await buildPolicyBundle()
    server = await startServer(
      serveConfigFromOptions({ bundle: [`clearance=${bundle}`], addr: '127.0.0.1:0', defaultDecision }),
      silentLog,
    )
  })

  afterAll(async () => {
    await server.close()
  })

  it('has a curl example for each endpoint', () => {
    const commands = examples.map((e) => e.command).join('\n')
    for (const route of ['/v1/check', '/v1/data/', '/v1/batch/data/', '8181/ -d', '/health']) {
      expect(commands).toContain(route)
    }
  })

  for (const { command, shown } of examples) {
    it(`gives the response shown for: ${command.slice(0, 90)}`, async () => {
      const port = new URL(server.url).port
      const { stdout } = await run('bash', ['-c', command.replaceAll('localhost:8181', `127.0.0.1:${port}`)])
      const actual = JSON.parse(stdout)
      const expected = JSON.parse(shown)
      expect(matches(expected, actual), `reply was ${stdout}`).toBe(true)
    })
  }
})
