// `clearance test` as a user runs it: Rego tests with coverage and the scenarios of a policy folder, with its exit
// codes; and the start-up and usage errors a newcomer meets (eval with a missing file, serve on Rego source).
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runClearance } from '../../helpers/clearance-cli.js'
import { tempDir } from '../../helpers/fixtures.js'

const POLICY = `package app.authz

default allow := false

allow if input.user == "alice"

reasons contains {"code": "not_alice", "message": "only alice may"} if not allow

decision := {"allow": allow, "reasons": [r | some r in reasons], "obligations": []}
`

const TESTS = `package app.authz_test

import data.app.authz

test_alice if authz.allow with input as {"user": "alice"}

test_bob if not authz.allow with input as {"user": "bob"}
`

const scenarios = (bobAllowed: boolean) =>
  JSON.stringify({
    scenarios: [
      { name: 'alice', input: { user: 'alice' }, expected: { allow: true, reason_codes: [] } },
      { name: 'bob', input: { user: 'bob' }, expected: { allow: bobAllowed, reason_codes: ['not_alice'] } },
    ],
  })

async function policyFolder(root: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name)
  await mkdir(join(dir, 'app'), { recursive: true })
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text)
  return dir
}

describe('clearance test', () => {
  let root: string
  beforeAll(async () => {
    root = await tempDir()
  })

  it('passes (exit 0) when the Rego tests and the scenarios pass, reporting coverage', async () => {
    const dir = await policyFolder(root, 'good', {
      'app/authz.rego': POLICY,
      'app/authz_test.rego': TESTS,
      'scenarios.json': scenarios(false),
    })
    const result = await runClearance(['test', dir, '--decision-path', 'app/authz/decision'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('PASS: 2/2')
    expect(result.stdout).toMatch(/Rego coverage: \d+\.\d\d%/)
    expect(result.stdout).toContain('scenarios: 2 passed, 0 failed')
  }, 60_000)

  it('fails (exit 1) naming the scenario whose verdict differs', async () => {
    const dir = await policyFolder(root, 'bad-scenario', {
      'app/authz.rego': POLICY,
      'scenarios.json': scenarios(true),
    })
    const result = await runClearance(['test', dir, '--decision-path', 'app/authz/decision'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('FAIL bob: allow false, expected true')
  }, 60_000)

  it('fails (exit 1) on a failing Rego test, and on coverage below the floor', async () => {
    const failing = await policyFolder(root, 'bad-test', {
      'app/authz.rego': POLICY,
      'app/authz_test.rego': TESTS.replace(
        'not authz.allow with input as {"user": "bob"}',
        'authz.allow with input as {"user": "bob"}',
      ),
    })
    expect((await runClearance(['test', failing])).code).toBe(1)
    const uncovered = await policyFolder(root, 'uncovered', {
      'app/authz.rego': POLICY,
      'app/authz_test.rego': TESTS,
    })
    const result = await runClearance(['test', uncovered, '--coverage-threshold', '100'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('coverage is below 100%')
  }, 60_000)

  it('exits 2 on a missing folder or scenarios file and a bad threshold', async () => {
    const missing = await runClearance(['test', join(root, 'nope')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('does not exist')
    expect((await runClearance(['test', root, '--scenarios', join(root, 'nope.json')])).code).toBe(2)
    expect((await runClearance(['test', root, '--coverage-threshold', 'lots'])).code).toBe(2)
  })

  it('prints its help', async () => {
    const result = await runClearance(['test', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: clearance test')
  })
})

describe('start-up and usage errors a newcomer meets', () => {
  it('eval with a missing bundle or input file exits 2 with a clear message', async () => {
    const root = await tempDir()
    const bundle = await runClearance(['eval', '--bundle', join(root, 'none.tar.gz'), '--path', 'a/b'])
    expect(bundle.code).toBe(2)
    expect(bundle.stderr).toContain('does not exist (--bundle)')
    const dir = await policyFolder(root, 'p', { 'app/authz.rego': POLICY })
    const built = join(root, 'p.tar.gz')
    expect((await runClearance(['build', dir, '-o', built])).code).toBe(0)
    const input = await runClearance([
      'eval',
      '--bundle',
      built,
      '--path',
      'a/b',
      '--input',
      join(root, 'none.json'),
    ])
    expect(input.code).toBe(2)
    expect(input.stderr).toContain('cannot read input file')
  }, 60_000)

  it('serve --bundle on a Rego source folder says once to build it, and exits 2', async () => {
    const root = await tempDir()
    const dir = await policyFolder(root, 'src', { 'app/authz.rego': POLICY })
    await mkdir(join(dir, 'other'))
    await cp(join(dir, 'app'), join(dir, 'other', 'app'), { recursive: true })
    const result = await runClearance(['serve', '--bundle', dir, '--addr', '127.0.0.1:0'])
    expect(result.code).toBe(2)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('is Rego source')
    expect(lines[0]).toContain(`clearance build ${dir}`)
    expect(result.stdout).not.toContain('bundle refused')
  }, 60_000)
})
