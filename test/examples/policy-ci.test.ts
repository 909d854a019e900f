// The git workflow of docs/rollout.md, for real: a policy repository is created in a temporary folder, its main
// branch is served and its decisions recorded; a pull request removes a grant; examples/policy-ci.sh runs the
// policy tests, clearance diff and clearance replay on it. Replay must report as newly denied exactly the logged
// decisions that grant allowed, and nothing else as newly allowed or denied, and the gate must fail the merge.
import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../engine/build/build-bundle.js'
import { resolveOpaBinary } from '../../engine/build/opa-binary.js'
import {
  copyPolicies,
  editCatalog,
  type Request,
  recordDecisions,
  scenarios,
} from '../engine/rollout/support.js'
import { CLEARANCE_BIN } from '../helpers/clearance-cli.js'
import { tempDir } from '../helpers/fixtures.js'

const run = promisify(execFile)
const SCRIPT = join(import.meta.dirname, '..', '..', 'examples', 'policy-ci.sh')
const CHARGE = 'payments.v1.Payments/Charge'
const ORDERS = 'spiffe://shop.example/ns/prod/sa/orders'

interface Event {
  decision_id: string
  input: { subject?: { spiffe_id?: string }; target?: { service?: string; operation?: { rpc?: string } } }
  result: { allow?: boolean }
}

async function git(repo: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', repo, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  })
  return stdout
}

describe('examples/policy-ci.sh on a policy repository', () => {
  let repo: string
  let log: string
  let events: Event[]
  let result: { code: number; stdout: string; stderr: string }

  beforeAll(async () => {
    repo = join(await tempDir(), 'policy-repo')
    await mkdir(repo, { recursive: true })
    await git(repo, 'init', '-q', '-b', 'main')
    await copyPolicies(join(repo, 'policies'))
    await git(repo, 'add', '-A')
    await git(repo, 'commit', '-q', '-m', 'policies as enforced today')

    // production: main is served, and its decisions are logged
    const bundle = join(repo, '..', 'policy-repo-main.tar.gz')
    await buildBundle({ source: join(repo, 'policies'), output: bundle })
    const requests: Request[] = []
    for (const scenario of await scenarios()) {
      requests.push({ route: 'check', input: scenario.input }, { route: 'check', input: scenario.input })
    }
    log = join(repo, '..', 'recent-decisions.jsonl')
    await recordDecisions(bundle, requests, log)
    events = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event)

    // the pull request: payments withdraws the grant that lets orders charge cards
    await git(repo, 'checkout', '-q', '-b', 'withdraw-charge-grant')
    await editCatalog(join(repo, 'policies'), (catalog) => {
      const payments = catalog.grants!.payments as Record<string, Record<string, unknown>>
      delete payments[CHARGE]!.orders
    })
    await git(repo, 'commit', '-q', '-am', 'payments: withdraw SEC-101')

    result = await new Promise((resolve) => {
      execFile(
        'bash',
        [SCRIPT, 'main', log],
        {
          cwd: repo,
          env: {
            ...process.env,
            CLEARANCE: `node ${CLEARANCE_BIN}`,
            REPORT_DIR: 'report',
          },
        },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
      )
    })
  }, 180_000)

  it('fails the merge on the replay gate', () => {
    expect(result.stderr).toBe('')
    expect(result.code).toBe(3)
    expect(result.stdout).toMatch(/replay\s+GATE FAILED/)
    expect(result.stdout).toMatch(/policy tests\s+(passed|failed)/)
  })

  it('reports exactly the decisions the withdrawn grant allowed as newly denied', async () => {
    const granted = events.filter(
      (e) =>
        e.input.subject?.spiffe_id === ORDERS &&
        e.input.target?.service === 'payments' &&
        e.input.target.operation?.rpc === CHARGE &&
        e.result.allow === true,
    )
    expect(granted.length).toBeGreaterThan(0)
    const report = JSON.parse(await readFile(join(repo, 'report', 'replay.json'), 'utf8')) as {
      summary: Record<string, number>
      by_route: Array<{
        key: string
        newly_denied: number
        newly_allowed: number
        examples: { newly_denied?: string[] }
      }>
    }
    expect(report.summary.read).toBe(events.length)
    expect(report.summary.newly_denied).toBe(granted.length)
    expect(report.summary.newly_allowed).toBe(0)
    const denied = report.by_route.filter((g) => g.newly_denied > 0)
    expect(denied.map((g) => [g.key, g.newly_denied])).toEqual([
      [`orders → payments → ${CHARGE}`, granted.length],
    ])
    const grantedIds = new Set(granted.map((e) => e.decision_id))
    expect(denied[0]!.examples.newly_denied!.length).toBe(Math.min(3, granted.length))
    for (const id of denied[0]!.examples.newly_denied!) expect(grantedIds.has(id)).toBe(true)
  })

  it('writes the diff and the replay into one pull-request comment', async () => {
    const comment = await readFile(join(repo, 'report', 'comment.md'), 'utf8')
    expect(comment).toContain('### Policy diff')
    expect(comment).toContain(`- \`-\` orders → payments ${CHARGE} for purpose checkout`)
    expect(comment).toContain('### Policy replay')
    expect(comment).toContain('Gate `--fail-on any-change`: **failed**')
  })

  it('passes when the pull request changes nothing that decides', async () => {
    await git(repo, 'checkout', '-q', 'main')
    const opa = await resolveOpaBinary()
    const passed = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        'bash',
        [SCRIPT, 'main', log],
        {
          cwd: repo,
          env: { ...process.env, CLEARANCE: `node ${CLEARANCE_BIN}`, OPA: opa, REPORT_DIR: 'report-main' },
        },
        (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }),
      )
    })
    expect(passed.stdout).toMatch(/policy tests\s+passed/)
    expect(passed.stdout).toMatch(/replay\s+passed/)
    expect(passed.code).toBe(0)
  }, 120_000)
})
