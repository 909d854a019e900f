// Runs the commands of README.md's "Changing policy safely" section exactly as written, from the repository root:
// the recording server, diff and replay, the candidate build and the shadow server (servers get --addr
// 127.0.0.1:0 in front of the README's flags, so the test never takes port 8181).
import { exec } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { startServe } from './helpers/clearance-cli.js'

const run = promisify(exec)
const ROOT = join(import.meta.dirname, '..')
const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const section = README.slice(README.indexOf('## Changing policy safely'))
const body = section.slice(0, section.indexOf('\n## ', 5))
const blocks = [...body.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!.trim().split('\n'))
const SERVE = 'node bin/clearance.js serve '
const scenarioInputs = (
  JSON.parse(readFileSync(join(ROOT, 'policies', 'scenarios.json'), 'utf8')) as {
    scenarios: Array<{ input: unknown }>
  }
).scenarios.map((s) => s.input)

async function serveAndAsk(command: string): Promise<{ decided: number; status: unknown }> {
  expect(command.startsWith(SERVE)).toBe(true)
  const server = await startServe(command.slice(SERVE.length).split(' '))
  let decided = 0
  try {
    for (const input of scenarioInputs) {
      const response = await fetch(`${server.url}/v1/check`, { method: 'POST', body: JSON.stringify(input) })
      await response.arrayBuffer()
      if (response.status === 200) decided++
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    const status = await (await fetch(`${server.url}/v1/status`)).json()
    return { decided, status }
  } finally {
    await server.stop()
  }
}

describe('README: Changing policy safely', () => {
  it('has the record, review and shadow steps', () => {
    expect(blocks).toHaveLength(3)
  })

  it('runs as written', async () => {
    // what `npm start` builds before serving
    await run('node bin/clearance.js build policies -o bundles/clearance.tar.gz', { cwd: ROOT })
    rmSync(join(ROOT, 'bundles', 'decisions.jsonl'), { force: true })

    const [record, review, shadow] = blocks as [string[], string[], string[]]
    const { decided } = await serveAndAsk(record[0]!)
    expect(decided).toBeGreaterThan(0)

    const outputs: string[] = []
    for (const command of review) outputs.push((await run(command, { cwd: ROOT })).stdout)
    expect(outputs[0]).toContain('no policy changes')
    expect(outputs[1]).toMatch(new RegExp(`events read\\s+${decided}\\n`))
    expect(outputs[1]).toMatch(new RegExp(`unchanged\\s+${decided}\\n`))
    expect(outputs[1]).toContain('gate --fail-on newly-allowed: passed')

    await run(shadow[0]!, { cwd: ROOT })
    const { status } = await serveAndAsk(shadow[1]!)
    const counts = (status as { result: { shadow: { decisions: Record<string, number> } } }).result.shadow
      .decisions
    expect(counts.unchanged).toBe(decided)
    const lines = readFileSync(join(ROOT, 'bundles', 'decisions.jsonl'), 'utf8')
      .trim()
      .split('\n')
    expect(lines).toHaveLength(2 * decided)
    expect(lines.filter((line) => line.includes('"shadow":{')).length).toBe(decided)
  }, 120_000)
})
