// A replay's findings for people and for CI: the JSON report (--format json), a terminal table (the default) and
// a Markdown pull-request comment (--format markdown), plus the gate that turns them into an exit code.
import { ClearanceError, ErrorCodes } from '../errors.js'
import type { ReplayResult } from './replay-runner.js'
import type { TallyGroup } from './replay-tally.js'

export const FAIL_ON = ['newly-allowed', 'any-change'] as const
export type FailOn = (typeof FAIL_ON)[number]
export const REPORT_FORMATS = ['table', 'json', 'markdown'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export interface ReportGroup {
  key: string
  total: number
  newly_allowed: number
  newly_denied: number
  changed: number
  errors: number
  /** Example decision ids per kind of change. */
  examples: Partial<Record<'newly_allowed' | 'newly_denied' | 'changed' | 'error', string[]>>
}

export interface ReplayReport {
  candidate: { locations: string[]; revisions: Record<string, string> }
  baseline: { source: 'log' } | { source: 'bundle'; locations: string[]; revisions: Record<string, string> }
  files: string[]
  summary: {
    read: number
    replayed: number
    unchanged: number
    newly_allowed: number
    newly_denied: number
    changed: number
    errors: number
    not_replayable: number
    malformed: number
  }
  not_replayable: Record<string, number>
  malformed: Array<{ at: string; message: string }>
  by_path: ReportGroup[]
  by_route: ReportGroup[]
  by_reason: ReportGroup[]
  /** Lines that were JSON but no decision (server log lines on a console capture). */
  ignored_lines: number
  duration_ms: number
  events_per_second: number
  gate?: { fail_on: FailOn; failed: boolean }
}

const EXAMPLE_ORDER = ['newly_allowed', 'newly_denied', 'changed', 'error'] as const

/** "newly_denied: id id; changed: id" — the examples, most consequential change first. */
function examplesText(group: ReportGroup, wrap: (id: string) => string = (id) => id): string {
  return EXAMPLE_ORDER.filter((change) => group.examples[change] !== undefined)
    .map((change) => `${change}: ${group.examples[change]!.map(wrap).join(' ')}`)
    .join('; ')
}

function groups(from: Record<string, TallyGroup>, changedOnly: boolean): ReportGroup[] {
  return Object.values(from)
    .map((group) => ({
      key: group.key,
      total: group.total,
      newly_allowed: group.changes.newly_allowed ?? 0,
      newly_denied: group.changes.newly_denied ?? 0,
      changed: group.changes.changed ?? 0,
      errors: group.changes.error ?? 0,
      examples: Object.fromEntries(
        EXAMPLE_ORDER.filter((change) => group.examples[change] !== undefined).map((change) => [
          change,
          group.examples[change]!.map((example) => example.decisionId),
        ]),
      ),
    }))
    .filter((group) => !changedOnly || group.total > 0)
    .sort((a, b) => changes(b) - changes(a) || b.total - a.total || a.key.localeCompare(b.key))
}

const changes = (group: ReportGroup): number =>
  group.newly_allowed + group.newly_denied + group.changed + group.errors

export function parseFailOn(raw: string | undefined): FailOn | undefined {
  if (raw === undefined) return undefined
  if (!(FAIL_ON as readonly string[]).includes(raw)) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `invalid --fail-on: "${raw}" is not one of ${FAIL_ON.join(', ')}`,
    )
  }
  return raw as FailOn
}

export function parseFormat(raw: string | undefined): ReportFormat {
  const format = raw ?? 'table'
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ClearanceError(
      ErrorCodes.configError,
      `invalid --format: "${format}" is not one of ${REPORT_FORMATS.join(', ')}`,
    )
  }
  return format as ReportFormat
}

/** True when the report breaks the gate: newly allowed decisions, or (any-change) any change or error. */
export function gateFails(report: ReplayReport, failOn: FailOn): boolean {
  const s = report.summary
  if (failOn === 'newly-allowed') return s.newly_allowed > 0
  return s.newly_allowed + s.newly_denied + s.changed + s.errors > 0
}

export function replayReport(result: ReplayResult, failOn?: FailOn): ReplayReport {
  const { tally } = result
  const c = tally.counts
  const report: ReplayReport = {
    candidate: result.candidate,
    baseline: result.baseline === undefined ? { source: 'log' } : { source: 'bundle', ...result.baseline },
    files: [...result.files],
    summary: {
      read: c.read,
      replayed: c.replayed,
      unchanged: c.unchanged,
      newly_allowed: c.newly_allowed,
      newly_denied: c.newly_denied,
      changed: c.changed,
      errors: c.error,
      not_replayable: c.not_replayable,
      malformed: c.malformed,
    },
    not_replayable: tally.notReplayable,
    malformed: tally.malformed.map(({ at, message }) => ({ at, message })),
    by_path: groups(tally.byPath, false),
    by_route: groups(tally.byRoute, true),
    by_reason: groups(tally.byReason, true),
    ignored_lines: c.ignored,
    duration_ms: Math.round(result.durationMs),
    events_per_second: result.durationMs > 0 ? Math.round((c.read * 1000) / result.durationMs) : 0,
  }
  if (failOn !== undefined) report.gate = { fail_on: failOn, failed: gateFails(report, failOn) }
  return report
}

const n = (value: number): string => value.toLocaleString('en-US')
const revisions = (r: Record<string, string>): string =>
  Object.entries(r)
    .map(([name, revision]) => `${name}@${revision}`)
    .join(', ') || '(none)'
const baselineText = (report: ReplayReport): string =>
  report.baseline.source === 'log'
    ? 'the results recorded in the log'
    : `${report.baseline.locations.join(', ')} (${revisions(report.baseline.revisions)})`

function summaryRows(report: ReplayReport): Array<[string, number]> {
  const s = report.summary
  return [
    ['events read', s.read],
    ['replayed', s.replayed],
    ['unchanged', s.unchanged],
    ['newly allowed', s.newly_allowed],
    ['newly denied', s.newly_denied],
    ['other result changes', s.changed],
    ['errors', s.errors],
    ['not replayable', s.not_replayable],
    ['malformed', s.malformed],
  ]
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) =>
        i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const GROUP_HEADERS = ['total', 'newly allowed', 'newly denied', 'changed', 'errors', 'examples']
const groupCells = (g: ReportGroup): string[] => [
  g.key,
  n(g.total),
  n(g.newly_allowed),
  n(g.newly_denied),
  n(g.changed),
  n(g.errors),
  examplesText(g),
]
const TITLES: Array<[keyof Pick<ReplayReport, 'by_path' | 'by_route' | 'by_reason'>, string, number]> = [
  ['by_path', 'path', 50],
  ['by_route', 'caller → callee → operation', 50],
  ['by_reason', 'reason code', 30],
]

export function formatReplayTable(report: ReplayReport): string {
  const out: string[] = [
    `candidate: ${report.candidate.locations.join(', ')} (${revisions(report.candidate.revisions)})`,
    `baseline:  ${baselineText(report)}`,
    `logs:      ${report.files.length} file(s), ${n(report.events_per_second)} events/s`,
    '',
    table(
      ['', 'decisions'],
      summaryRows(report).map(([label, value]) => [label, n(value)]),
    ),
  ]
  for (const [field, title, limit] of TITLES) {
    const rows = report[field].slice(0, limit)
    if (rows.length === 0) continue
    out.push('', `by ${title}:`, table([title, ...GROUP_HEADERS], rows.map(groupCells)))
    if (report[field].length > limit) out.push(`… ${report[field].length - limit} more`)
  }
  if (report.malformed.length > 0) {
    out.push('', 'malformed:', ...report.malformed.slice(0, 20).map((m) => `  ${m.at}: ${m.message}`))
  }
  for (const [reason, count] of Object.entries(report.not_replayable)) {
    out.push(`not replayable: ${n(count)} × ${reason}`)
  }
  if (report.gate !== undefined) {
    out.push('', `gate --fail-on ${report.gate.fail_on}: ${report.gate.failed ? 'FAILED' : 'passed'}`)
  }
  return `${out.join('\n')}\n`
}

const md = (text: string): string => text.replaceAll('|', '\\|')

export function formatReplayMarkdown(report: ReplayReport): string {
  const s = report.summary
  const verdict =
    s.newly_allowed > 0
      ? `⚠️ **${n(s.newly_allowed)} decision(s) newly allowed**`
      : s.newly_denied + s.changed + s.errors > 0
        ? `**${n(s.newly_denied)} newly denied, ${n(s.changed)} other changes, ${n(s.errors)} errors**`
        : '✅ **no decision changes**'
  const out: string[] = [
    '### Policy replay',
    '',
    `${verdict} across ${n(s.replayed)} replayed decisions.`,
    '',
    `Candidate: \`${report.candidate.locations.join(', ')}\` (${revisions(report.candidate.revisions)}); baseline: ${baselineText(report)}.`,
    '',
    '| | decisions |',
    '|---|---:|',
    ...summaryRows(report).map(([label, value]) => `| ${label} | ${n(value)} |`),
  ]
  for (const [field, title, limit] of TITLES) {
    const rows = report[field].filter((g) => field !== 'by_path' || changes(g) > 0).slice(0, limit)
    if (rows.length === 0) continue
    out.push(
      '',
      `#### By ${title}`,
      '',
      `| ${title} | total | newly allowed | newly denied | changed | errors | examples |`,
      '|---|---:|---:|---:|---:|---:|---|',
      ...rows.map(
        (g) =>
          `| ${md(g.key)} | ${n(g.total)} | ${n(g.newly_allowed)} | ${n(g.newly_denied)} | ${n(g.changed)} | ${n(g.errors)} | ${examplesText(g, (id) => `\`${id}\``)} |`,
      ),
    )
  }
  if (report.malformed.length > 0) {
    out.push('', '<details><summary>Malformed lines</summary>', '')
    out.push(...report.malformed.slice(0, 20).map((m) => `- \`${m.at}\`: ${md(m.message)}`), '', '</details>')
  }
  if (report.gate !== undefined) {
    out.push('', `Gate \`--fail-on ${report.gate.fail_on}\`: **${report.gate.failed ? 'failed' : 'passed'}**`)
  }
  return `${out.join('\n')}\n`
}

export function formatReplay(report: ReplayReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`
  if (format === 'markdown') return formatReplayMarkdown(report)
  return formatReplayTable(report)
}
