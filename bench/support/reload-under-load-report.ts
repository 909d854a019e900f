// The numbers of bench/reload-under-load.ts and their Markdown table, shared by the script and bench/run-all.ts.
import { summarize } from './stats.js'

export interface ReloadPhase {
  /** Requests per second of the open loop. */
  rate: number
  /** Rename → first answer by the new revision, per reload (ms; NaN when none came within 10 s). */
  toFirstAnswerMs: number[]
  /** The server's own timers per reload, from GET /v1/status (ms). */
  loadMs: number[]
  activateMs: number[]
  failed: number
  answers: number
}

export interface ReloadUnderLoadResult {
  /** Closed-loop decisions/s of the server; the loaded phase runs at half. */
  maxRps: number
  idle: ReloadPhase
  loaded: ReloadPhase
  /** Resident memory of the server's process at the end (its evaluation threads and spares included), MiB. */
  rssMiB: number
  /** The reload cool-down of the watcher (ms), part of every reload's time. */
  cooldownMs: number
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '—')

/** What is neither loading nor activating: the watcher's notice and cool-down, and the wait for the next answer. */
function restMs(phase: ReloadPhase): number[] {
  return phase.toFirstAnswerMs.map(
    (total, index) => total - (phase.loadMs[index] ?? Number.NaN) - (phase.activateMs[index] ?? Number.NaN),
  )
}

function row(name: string, phase: ReloadPhase): string {
  const seen = phase.toFirstAnswerMs.filter(Number.isFinite)
  const total = summarize(seen)
  const loadMs = summarize(phase.loadMs.filter(Number.isFinite))
  const activateMs = summarize(phase.activateMs.filter(Number.isFinite))
  const rest = summarize(restMs(phase).filter(Number.isFinite))
  return `| ${name} (${phase.rate}/s) | ${seen.length}/${phase.toFirstAnswerMs.length} | ${fmt(total.p50)} | ${fmt(total.p99)} | ${fmt(total.max)} | ${fmt(loadMs.p50)} / ${fmt(loadMs.p99)} | ${fmt(activateMs.p50)} / ${fmt(activateMs.p99)} | ${fmt(rest.p50)} / ${fmt(rest.p99)} | ${phase.failed} of ${phase.answers} |`
}

export function reloadUnderLoadMarkdown(result: ReloadUnderLoadResult, label = 'clearance serve'): string {
  return [
    `Reload under load: \`${label}\` (decision cache off) sustains ${Math.round(result.maxRps)} decisions/s ` +
      '(closed loop, 16 connections); the open loop runs at half that. "rest" is the watcher\'s notice and its ' +
      `${result.cooldownMs} ms cool-down plus the wait for the next answer. Server RSS at the end: ` +
      `${fmt(result.rssMiB)} MiB.`,
    '',
    '| phase | reloads seen | rename → first answer by the new revision, p50 (ms) | p99 (ms) | max (ms) | load bundle p50 / p99 (ms) | activate p50 / p99 (ms) | rest p50 / p99 (ms) | failed answers |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    row('idle', result.idle),
    row('half the max rate', result.loaded),
  ].join('\n')
}
