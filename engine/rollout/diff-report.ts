// `clearance diff` in words: one line per added (+), removed (-) or changed (~) entry, grouped by what a security
// reviewer asks about first (grants, denies, revocations, zone crossings, classifications, services, identities,
// human access), then the Rego modules and other data. Text for a terminal, Markdown for a pull request.
import type { BundleDiff, Change, GrantRef } from './bundle-diff.js'

export const DIFF_FORMATS = ['text', 'json', 'markdown'] as const
export type DiffFormat = (typeof DIFF_FORMATS)[number]

interface Section {
  title: string
  lines: string[]
}

const grantText = (g: GrantRef): string =>
  `${g.caller} → ${g.callee} ${g.operation}${g.purpose === undefined ? '' : ` for purpose ${g.purpose}`}${
    g.expires_at === undefined ? '' : ` until ${g.expires_at}`
  }${g.ticket === undefined ? '' : ` (${g.ticket})`}`

function lines<T>(change: Change<T>, text: (entry: T) => string): string[] {
  return [
    ...change.added.map((entry) => `+ ${text(entry)}`),
    ...change.removed.map((entry) => `- ${text(entry)}`),
    ...change.changed.map((entry) => `~ ${text(entry)}: ${entry.changes.join('; ')}`),
  ]
}

export function diffSections(diff: BundleDiff): Section[] {
  const sections: Section[] = [
    { title: 'Grants', lines: lines(diff.grants, grantText) },
    {
      title: 'Explicit denies',
      lines: lines(
        diff.denies,
        (d) => `${d.caller} ✗ ${d.callee}${d.reason === undefined ? '' : ` (${d.reason})`}`,
      ),
    },
    {
      title: 'Revocations',
      lines: lines(diff.revocations, (r) => `${r.identity}${r.reason === undefined ? '' : ` (${r.reason})`}`),
    },
    {
      title: 'Zone crossings',
      lines: lines(
        diff.zone_crossings,
        (z) => `${z.from} → ${z.to}${z.requires.length > 0 ? ` requires ${z.requires.join(', ')}` : ''}`,
      ),
    },
    {
      title: 'Classifications',
      lines: [
        ...diff.classifications.raised.map(
          (c) => `↑ ${c.service} ${c.operation}: ${c.from} → ${c.to} (raised)`,
        ),
        ...diff.classifications.lowered.map(
          (c) => `↓ ${c.service} ${c.operation}: ${c.from} → ${c.to} (lowered)`,
        ),
      ],
    },
    { title: 'Operations', lines: lines(diff.operations, (o) => `${o.service} ${o.operation}`) },
    { title: 'Services', lines: lines(diff.services, (s) => s.service) },
    { title: 'Identities', lines: lines(diff.identities, (i) => `${i.identity} (${i.service})`) },
    {
      title: 'Human access',
      lines: lines(diff.humans, (h) => `${h.user}${h.role === undefined ? '' : ` (${h.role})`}`),
    },
    { title: 'Rego modules', lines: lines(diff.modules, (m) => m.path) },
    { title: 'Other data', lines: lines(diff.data, (d) => d.path) },
  ]
  return sections.filter((section) => section.lines.length > 0)
}

const revisions = (r: Record<string, string>): string =>
  Object.entries(r)
    .map(([name, revision]) => `${name}@${revision}`)
    .join(', ')

export function formatDiff(diff: BundleDiff, format: DiffFormat): string {
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`
  const sections = diffSections(diff)
  const head = `${diff.old.location} (${revisions(diff.old.revisions)}) → ${diff.new.location} (${revisions(diff.new.revisions)})`
  if (format === 'markdown') {
    const out = ['### Policy diff', '', `\`${diff.old.location}\` → \`${diff.new.location}\``, '']
    if (sections.length === 0) out.push('No policy changes.')
    for (const section of sections) {
      out.push(
        `#### ${section.title}`,
        '',
        ...section.lines.map((line) => `- \`${line.slice(0, 1)}\` ${line.slice(2)}`),
        '',
      )
    }
    return `${out.join('\n').trimEnd()}\n`
  }
  const out = [head]
  if (sections.length === 0) out.push('no policy changes')
  for (const section of sections)
    out.push('', `${section.title}:`, ...section.lines.map((line) => `  ${line}`))
  return `${out.join('\n')}\n`
}
