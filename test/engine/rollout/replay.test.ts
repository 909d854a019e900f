// clearance replay against decisions recorded by a real `clearance serve`: the catalog is changed (a grant
// removed, a revocation lifted), the log is replayed with the candidate, and every count and group is checked
// against an answer computed apart from the replay code — each logged input asked again of a second
// `clearance serve` running the candidate, over HTTP, and compared in the test.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle } from '../../../engine/build/build-bundle.js'
import { createBundleWorkspace } from '../../../engine/rollout/candidate-bundle.js'
import { replayReport } from '../../../engine/rollout/replay-report.js'
import { runReplay } from '../../../engine/rollout/replay-runner.js'
import { runClearance, startServe } from '../../helpers/clearance-cli.js'
import { tempDir } from '../../helpers/fixtures.js'
import {
  copyPolicies,
  editCatalog,
  type Recording,
  type Request,
  recordDecisions,
  scenarios,
} from './support.js'

const CHARGE = 'payments.v1.Payments/Charge'
const REPORTING_JOB = 'spiffe://shop.example/ns/batch/sa/reporting-job'

interface LoggedEvent {
  decision_id: string
  path: string
  input?: unknown
  result?: unknown
  erased?: string[]
}

interface Expected {
  read: number
  replayed: number
  unchanged: number
  newly_allowed: number
  newly_denied: number
  changed: number
  not_replayable: number
  newlyDeniedIds: Set<string>
  newlyAllowedIds: Set<string>
  /** caller service → callee → operation of each changed decision, counted. */
  routes: Map<string, number>
}

const allowOf = (value: unknown): boolean | undefined =>
  typeof value === 'boolean'
    ? value
    : typeof value === 'object' && value !== null && typeof (value as { allow?: unknown }).allow === 'boolean'
      ? (value as { allow: boolean }).allow
      : undefined

/** Asks the candidate server for every replayable logged decision and classifies the answers here. */
async function expectedFrom(events: readonly LoggedEvent[], candidateBundle: string): Promise<Expected> {
  const server = await startServe(['--bundle', `clearance=${candidateBundle}`])
  const expected: Expected = {
    read: events.length,
    replayed: 0,
    unchanged: 0,
    newly_allowed: 0,
    newly_denied: 0,
    changed: 0,
    not_replayable: 0,
    newlyDeniedIds: new Set(),
    newlyAllowedIds: new Set(),
    routes: new Map(),
  }
  try {
    for (const event of events) {
      if ((event.erased ?? []).some((pointer) => pointer.startsWith('/input'))) {
        expected.not_replayable++
        continue
      }
      const response = await fetch(`${server.url}/v1/data/${event.path}`, {
        method: 'POST',
        body: JSON.stringify({ input: event.input }),
      })
      const answer = (await response.json()) as { result?: unknown }
      expected.replayed++
      if (isDeepStrictEqual(answer.result, event.result)) {
        expected.unchanged++
        continue
      }
      const before = allowOf(event.result)
      const after = allowOf(answer.result)
      if (before === false && after === true) {
        expected.newly_allowed++
        expected.newlyAllowedIds.add(event.decision_id)
      } else if (before === true && after === false) {
        expected.newly_denied++
        expected.newlyDeniedIds.add(event.decision_id)
      } else expected.changed++
      const input = event.input as {
        subject: { spiffe_id?: string; id?: string }
        target: { service: string; operation: { rpc?: string; method?: string; path?: string } }
      }
      const op =
        input.target.operation.rpc ?? `${input.target.operation.method} ${input.target.operation.path}`
      const caller =
        input.subject.spiffe_id?.split('/sa/')[1] ?? input.subject.spiffe_id ?? `user ${input.subject.id}`
      const key = `${caller} → ${input.target.service} → ${op}`
      expected.routes.set(key, (expected.routes.get(key) ?? 0) + 1)
    }
  } finally {
    await server.stop()
  }
  return expected
}

describe('clearance replay on decisions recorded by clearance serve', () => {
  let dir: string
  let recording: Recording
  let events: LoggedEvent[]
  let candidateDir: string
  let candidateBundle: string
  let baselineBundle: string
  let expected: Expected
  let maskedCount = 0

  beforeAll(async () => {
    dir = join(await tempDir(), 'replay')
    await mkdir(dir, { recursive: true })
    const baseDir = await copyPolicies(join(dir, 'base'))
    baselineBundle = join(dir, 'base.tar.gz')
    await buildBundle({ source: baseDir, output: baselineBundle, revision: 'base' })
    candidateDir = await copyPolicies(join(dir, 'candidate'))
    await editCatalog(candidateDir, (catalog) => {
      const payments = catalog.grants!.payments as Record<string, Record<string, unknown>>
      delete payments[CHARGE]!.orders
      delete (catalog.revoked as Record<string, unknown>)[REPORTING_JOB]
    })
    candidateBundle = join(dir, 'candidate.tar.gz')
    await buildBundle({ source: candidateDir, output: candidateBundle, revision: 'candidate' })

    // Traffic: every scenario through /v1/check twice, and as a boolean through the Data API; every fifth request
    // carries a request id the log masks, which makes it not replayable.
    const requests: Request[] = []
    const all = await scenarios()
    for (let round = 0; round < 2; round++) {
      for (const [i, scenario] of all.entries()) {
        const masked = (round + i) % 5 === 0
        const input = masked
          ? { ...scenario.input, context: { request_id: `r-${round}-${i}` } }
          : scenario.input
        requests.push({ route: 'check', input })
      }
    }
    for (const scenario of all) requests.push({ route: 'clearance/authz/allow', input: scenario.input })
    recording = await recordDecisions(baselineBundle, requests, join(dir, 'decisions.jsonl'), [
      '--decision-log-mask',
      '/input/context/request_id',
    ])
    events = (await readFile(recording.jsonl, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LoggedEvent)
    maskedCount = events.filter((e) => (e.erased ?? []).length > 0).length
    expected = await expectedFrom(events, candidateBundle)
  }, 120_000)

  it('recorded a log the test can reason about', () => {
    expect(events.length).toBe(recording.decided)
    expect(maskedCount).toBeGreaterThan(0)
    expect(expected.newly_denied).toBeGreaterThan(0)
    expect(expected.newly_allowed).toBeGreaterThan(0)
  })

  it('counts exactly what the candidate changes in a JSON-lines log', async () => {
    const result = await runReplay({
      candidate: [{ name: 'clearance', path: candidateBundle, location: candidateBundle, built: false }],
      files: [recording.jsonl],
      threads: 2,
    })
    const report = replayReport(result)
    expect(report.summary).toEqual({
      read: expected.read,
      replayed: expected.replayed,
      unchanged: expected.unchanged,
      newly_allowed: expected.newly_allowed,
      newly_denied: expected.newly_denied,
      changed: expected.changed,
      errors: 0,
      not_replayable: expected.not_replayable,
      malformed: 0,
    })
    expect(report.not_replayable).toEqual({ 'input erased or masked': maskedCount })
    expect(report.candidate.revisions).toEqual({ clearance: 'candidate' })
  })

  it('groups changes by path, caller → callee → operation and reason, with example ids', async () => {
    const result = await runReplay({
      candidate: [{ name: 'clearance', path: candidateBundle, location: candidateBundle, built: false }],
      files: [recording.jsonl],
      threads: 2,
    })
    const report = replayReport(result)
    const checkPath = report.by_path.find((g) => g.key === 'clearance/authz/decision')!
    const boolPath = report.by_path.find((g) => g.key === 'clearance/authz/allow')!
    expect(checkPath.total + boolPath.total).toBe(expected.replayed)
    expect(checkPath.newly_denied + boolPath.newly_denied).toBe(expected.newly_denied)
    // every decision the removed grant allowed, and nothing else, is newly denied
    const chargeAllowed = events.filter((e) => {
      const input = e.input as {
        subject?: { spiffe_id?: string }
        target?: { service?: string; operation?: { rpc?: string } }
      }
      return (
        (e.erased ?? []).length === 0 &&
        input.subject?.spiffe_id === 'spiffe://shop.example/ns/prod/sa/orders' &&
        input.target?.service === 'payments' &&
        input.target.operation?.rpc === CHARGE &&
        allowOf(e.result) === true
      )
    })
    expect(new Set(chargeAllowed.map((e) => e.decision_id))).toEqual(expected.newlyDeniedIds)
    const charge = report.by_route.find((g) => g.key === `orders → payments → ${CHARGE}`)!
    expect(charge.newly_denied).toBe(chargeAllowed.length)
    // the newly denied examples are the first decisions of the log the grant allowed
    const firstDenied = events
      .filter((e) => expected.newlyDeniedIds.has(e.decision_id))
      .map((e) => e.decision_id)
    expect(charge.examples.newly_denied).toEqual(firstDenied.slice(0, 3))
    expect(Object.fromEntries(report.by_route.map((g) => [g.key, g.total]))).toEqual(
      Object.fromEntries(expected.routes),
    )
    // the reason the candidate gives for the new denials is counted under its code
    const reasons = report.by_reason.filter((g) => g.newly_denied > 0)
    expect(reasons.length).toBeGreaterThan(0)
    for (const group of report.by_route) {
      expect(group.examples.newly_denied?.length ?? 0).toBe(Math.min(3, group.newly_denied))
      expect(group.examples.changed?.length ?? 0).toBe(Math.min(3, group.changed))
    }
  })

  it('reads the collector’s gzip JSON arrays with the same result as the JSON-lines log', async () => {
    const gz = join(dir, 'collector')
    await mkdir(gz, { recursive: true })
    for (const upload of recording.gzipArrays) await writeFile(join(gz, upload.name), upload.bytes)
    expect(recording.gzipArrays.length).toBeGreaterThan(1)
    const result = await runReplay({
      candidate: [{ name: 'clearance', path: candidateBundle, location: candidateBundle, built: false }],
      files: recording.gzipArrays.map((upload) => join(gz, upload.name)),
    })
    const { summary } = replayReport(result)
    expect(summary.read).toBe(expected.read)
    expect(summary.newly_denied).toBe(expected.newly_denied)
    expect(summary.newly_allowed).toBe(expected.newly_allowed)
    expect(summary.changed).toBe(expected.changed)
    expect(summary.not_replayable).toBe(expected.not_replayable)
  })

  it('counts malformed lines with their line numbers and keeps going', async () => {
    const lines = (await readFile(recording.jsonl, 'utf8')).trim().split('\n')
    const broken = [
      ...lines.slice(0, 3),
      'this is not json',
      lines[3]!.slice(0, 40),
      ...lines.slice(3),
      '{"decision_id": 7, "path": "x"}',
    ]
    const file = join(dir, 'broken.jsonl')
    await writeFile(file, `${broken.join('\n')}\n`)
    const result = await runReplay({
      candidate: [{ name: 'clearance', path: candidateBundle, location: candidateBundle, built: false }],
      files: [file],
    })
    const report = replayReport(result)
    expect(report.summary.malformed).toBe(3)
    expect(report.malformed.map((m) => m.at)).toEqual([`${file}:4`, `${file}:5`, `${file}:${broken.length}`])
    expect(report.summary.read).toBe(expected.read + 3)
    expect(report.summary.newly_denied).toBe(expected.newly_denied)
  })

  it('re-decides the baseline with --baseline instead of reading the logged results', async () => {
    const result = await runReplay({
      candidate: [{ name: 'clearance', path: candidateBundle, location: candidateBundle, built: false }],
      baseline: [{ name: 'clearance', path: baselineBundle, location: baselineBundle, built: false }],
      files: [recording.jsonl],
    })
    const report = replayReport(result)
    expect(report.baseline).toMatchObject({ source: 'bundle', revisions: { clearance: 'base' } })
    expect(report.summary.newly_denied).toBe(expected.newly_denied)
    expect(report.summary.newly_allowed).toBe(expected.newly_allowed)
    expect(report.summary.unchanged).toBe(expected.unchanged)
  })

  it('builds a policy folder candidate and gates the exit code from the command line', async () => {
    const gated = await runClearance([
      'replay',
      '--bundle',
      `clearance=${candidateDir}`,
      '--format',
      'json',
      '--fail-on',
      'newly-allowed',
      recording.jsonl,
    ])
    expect(gated.code).toBe(3)
    const report = JSON.parse(gated.stdout) as { summary: Record<string, number>; gate: { failed: boolean } }
    expect(report.summary.newly_allowed).toBe(expected.newly_allowed)
    expect(report.summary.newly_denied).toBe(expected.newly_denied)
    expect(report.gate.failed).toBe(true)

    const unchanged = await runClearance([
      'replay',
      '--bundle',
      baselineBundle,
      '--fail-on',
      'any-change',
      '--format',
      'markdown',
      recording.jsonl,
    ])
    expect(unchanged.code).toBe(0)
    expect(unchanged.stdout).toContain('no decision changes')
  }, 60_000)

  afterAll(async () => {
    await createBundleWorkspace().close()
  })
})
