// What a replay found, counted as events go by and merged across worker threads: totals, malformed lines (with
// where they are), and groups — by path, by caller → callee → operation, by reason code — each with counts per
// change and a few example decision ids. Groups and examples are bounded, so a log of any length tallies in fixed
// memory; examples (per kind of change) are the earliest in the logs (by file, then line), whichever thread saw them.
import type { DecisionChange } from './decision-change.js'

export const TALLY_COUNTS = [
  'read',
  'replayed',
  'unchanged',
  'newly_allowed',
  'newly_denied',
  'changed',
  'error',
  'not_replayable',
  'malformed',
  'ignored',
] as const
export type TallyCount = (typeof TALLY_COUNTS)[number]

export interface TallyExample {
  decisionId: string
  /** "file:line" (a collector's JSON array: "file#index"). */
  at: string
  /** Sort key: earlier in the logs first. */
  order: number
}

export interface TallyGroup {
  key: string
  total: number
  changes: Partial<Record<DecisionChange, number>>
  /** The earliest decisions of each kind of change (unchanged ones are not kept). */
  examples: Partial<Record<DecisionChange, TallyExample[]>>
}

export interface Tally {
  counts: Record<TallyCount, number>
  /** Malformed lines, the first MAX_LISTED of them. */
  malformed: Array<{ at: string; message: string; order: number }>
  notReplayable: Record<string, number>
  byPath: Record<string, TallyGroup>
  /** Changed decisions only: "caller → callee → operation". */
  byRoute: Record<string, TallyGroup>
  /** Changed decisions only: the new answer's reason codes. */
  byReason: Record<string, TallyGroup>
  /** Groups not kept because a grouping was full; their events are still in the counts. */
  overflowGroups: number
}

export const MAX_EXAMPLES = 3
export const MAX_LISTED = 100
export const MAX_GROUPS = 2000

export function createTally(): Tally {
  const counts = Object.fromEntries(TALLY_COUNTS.map((name) => [name, 0])) as Record<TallyCount, number>
  return {
    counts,
    malformed: [],
    notReplayable: {},
    byPath: {},
    byRoute: {},
    byReason: {},
    overflowGroups: 0,
  }
}

function examplesOf(group: TallyGroup, change: DecisionChange): TallyExample[] {
  let examples = group.examples[change]
  if (examples === undefined) {
    examples = []
    group.examples[change] = examples
  }
  return examples
}

function addExample(examples: TallyExample[], example: TallyExample): void {
  if (examples.length >= MAX_EXAMPLES && example.order >= examples[examples.length - 1]!.order) return
  examples.push(example)
  examples.sort((a, b) => a.order - b.order)
  if (examples.length > MAX_EXAMPLES) examples.length = MAX_EXAMPLES
}

function groupIn(tally: Tally, groups: Record<string, TallyGroup>, key: string): TallyGroup | undefined {
  let group = groups[key]
  if (group === undefined) {
    if (Object.keys(groups).length >= MAX_GROUPS) {
      tally.overflowGroups++
      return undefined
    }
    group = { key, total: 0, changes: {}, examples: {} }
    groups[key] = group
  }
  return group
}

function count(group: TallyGroup | undefined, change: DecisionChange, example: TallyExample): void {
  if (group === undefined) return
  group.total++
  group.changes[change] = (group.changes[change] ?? 0) + 1
  if (change !== 'unchanged') addExample(examplesOf(group, change), example)
}

export interface ReplayedDecision {
  path: string
  change: DecisionChange
  /** "caller → callee → operation" for Clearance decisions. */
  route: string | undefined
  /** The new answer's reason codes (the error code when it failed). */
  reasons: readonly string[]
  example: TallyExample
}

export function tallyReplayed(tally: Tally, decision: ReplayedDecision): void {
  tally.counts.replayed++
  tally.counts[decision.change]++
  count(groupIn(tally, tally.byPath, decision.path), decision.change, decision.example)
  if (decision.change === 'unchanged') return
  if (decision.route !== undefined) {
    count(groupIn(tally, tally.byRoute, decision.route), decision.change, decision.example)
  }
  for (const reason of new Set(decision.reasons)) {
    count(groupIn(tally, tally.byReason, reason), decision.change, decision.example)
  }
}

export function tallyMalformed(tally: Tally, at: string, message: string, order: number): void {
  tally.counts.malformed++
  if (tally.malformed.length < MAX_LISTED) tally.malformed.push({ at, message, order })
}

export function tallyNotReplayable(tally: Tally, reason: string): void {
  tally.counts.not_replayable++
  tally.notReplayable[reason] = (tally.notReplayable[reason] ?? 0) + 1
}

function mergeGroups(tally: Tally, into: Record<string, TallyGroup>, from: Record<string, TallyGroup>): void {
  for (const [key, group] of Object.entries(from)) {
    const target = groupIn(tally, into, key)
    if (target === undefined) continue
    target.total += group.total
    for (const [change, n] of Object.entries(group.changes) as Array<[DecisionChange, number]>) {
      target.changes[change] = (target.changes[change] ?? 0) + n
    }
    for (const [change, examples] of Object.entries(group.examples) as Array<
      [DecisionChange, TallyExample[]]
    >) {
      for (const example of examples) addExample(examplesOf(target, change), example)
    }
  }
}

/** Adds `from` into `into` (the tallies of two threads). */
export function mergeTally(into: Tally, from: Tally): void {
  for (const name of TALLY_COUNTS) into.counts[name] += from.counts[name]
  into.malformed.push(...from.malformed)
  into.malformed.sort((a, b) => a.order - b.order)
  if (into.malformed.length > MAX_LISTED) into.malformed.length = MAX_LISTED
  for (const [reason, n] of Object.entries(from.notReplayable)) {
    into.notReplayable[reason] = (into.notReplayable[reason] ?? 0) + n
  }
  into.overflowGroups += from.overflowGroups
  mergeGroups(into, into.byPath, from.byPath)
  mergeGroups(into, into.byRoute, from.byRoute)
  mergeGroups(into, into.byReason, from.byReason)
}
