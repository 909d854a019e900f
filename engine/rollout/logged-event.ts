// Reads one decision-log event as Clearance and OPA write it (OPA's EventV1: decision_id, path, input, result,
// error, erased, masked, bundles; OPA's console logger adds level/msg/time around the same members) and says
// whether it can be replayed. An input that was erased or masked, in whole or in part, cannot be: the decision
// was made on values the log no longer holds, and replay never guesses them.
import { isRecord as isObject, parseJson, stringifyJson, topLevelMember } from '../json/index.js'
import type { DecisionAnswer } from './decision-change.js'
import { topLevelMembers } from './event-members.js'

export interface ReplayableEvent {
  kind: 'replayable'
  decisionId: string
  path: string
  /** The input's JSON text as logged; undefined when the decision had no input. */
  inputText: string | undefined
  /** The parsed input, when the event was parsed whole; else parse inputText. */
  input: unknown
  /** What the log says was answered; undefined when the log's result was erased or masked (needs --baseline). */
  logged: DecisionAnswer | undefined
  /** The logged result parsed, when the event was parsed whole; undefined: parse logged.json when needed. */
  loggedValue: unknown
  /** True when only the members were scanned: the line is parsed whole before a change is reported. */
  scanned: boolean
  /** Bundle name → revision that made the logged decision. */
  revisions: Record<string, string>
}

export type LoggedEvent =
  | ReplayableEvent
  | { kind: 'not_replayable'; decisionId: string; path: string; reason: string }
  | { kind: 'malformed'; message: string }
  /** Valid JSON that is not a decision (a server log line interleaved on the console). */
  | { kind: 'ignored' }

const touches = (pointers: unknown, part: string): boolean =>
  Array.isArray(pointers) &&
  pointers.some(
    (pointer) => typeof pointer === 'string' && (pointer === part || pointer.startsWith(`${part}/`)),
  )

/** OPA writes paths as "a/b/c"; older logs and some tools as "data.a.b.c" or "/a/b". */
export function eventPath(raw: string): string {
  const path = raw.startsWith('data.') ? raw.slice(5).replaceAll('.', '/') : raw
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== 'data')
    .join('/')
}

function revisionsOf(bundles: unknown): Record<string, string> {
  const revisions: Record<string, string> = {}
  if (!isObject(bundles)) return revisions
  for (const [name, info] of Object.entries(bundles)) {
    if (isObject(info) && typeof info.revision === 'string') revisions[name] = info.revision
  }
  return revisions
}

/** Classifies an already parsed event; `text` is its JSON text when it came as one line (the input is cut from it). */
export function readLoggedEvent(event: unknown, text?: string): LoggedEvent {
  if (!isObject(event)) return { kind: 'malformed', message: 'not a JSON object' }
  if (typeof event.decision_id !== 'string' || typeof event.path !== 'string') {
    return event.decision_id === undefined && event.path === undefined
      ? { kind: 'ignored' }
      : { kind: 'malformed', message: 'decision_id and path must be strings' }
  }
  const decisionId = event.decision_id
  const path = eventPath(event.path)
  if (touches(event.erased, '/input') || touches(event.masked, '/input')) {
    return { kind: 'not_replayable', decisionId, path, reason: 'input erased or masked' }
  }
  let inputText: string | undefined
  if (event.input !== undefined) {
    const member = text === undefined ? undefined : topLevelMember(text, 'input')
    inputText = member?.text ?? stringifyJson(event.input)
  }
  let logged: DecisionAnswer | undefined
  if (touches(event.erased, '/result') || touches(event.masked, '/result')) logged = undefined
  else if (isObject(event.error)) {
    logged = {
      kind: 'error',
      code: String(event.error.code ?? 'internal_error'),
      message: String(event.error.message ?? ''),
    }
  } else if (event.result !== undefined) {
    const member = text === undefined ? undefined : topLevelMember(text, 'result')
    logged = { kind: 'result', json: member?.text ?? stringifyJson(event.result) }
  } else logged = { kind: 'undefined' }
  return {
    kind: 'replayable',
    decisionId,
    path,
    inputText,
    input: event.input,
    logged,
    loggedValue: event.result,
    scanned: false,
    revisions: revisionsOf(event.bundles),
  }
}

const SMALL_MEMBERS = ['decision_id', 'path', 'erased', 'masked', 'error', 'bundles'] as const

/**
 * Reads one logged line. The fast way scans the members and parses only the small ones; a line the scan does not
 * accept, or that holds no decision, takes the full parse (and is malformed when that fails).
 */
export function readLoggedLine(line: string): LoggedEvent {
  const members = topLevelMembers(line)
  const text = (name: string): string | undefined => {
    const span = members?.get(name)
    return span === undefined ? undefined : line.slice(span[0], span[1])
  }
  if (members?.has('decision_id') && members.has('path')) {
    try {
      const small: Record<string, unknown> = {}
      for (const name of SMALL_MEMBERS) {
        const value = text(name)
        if (value !== undefined) small[name] = parseJson(value)
      }
      const inputText = text('input')
      const resultText = text('result')
      const event = readLoggedEvent({
        ...small,
        ...(inputText === undefined ? {} : { input: null }),
        ...(resultText === undefined ? {} : { result: null }),
      })
      if (event.kind !== 'replayable') return event
      if (event.logged?.kind === 'result') event.logged = { kind: 'result', json: resultText as string }
      return { ...event, inputText, input: undefined, loggedValue: undefined, scanned: true }
    } catch {
      // a small member that does not parse: the full parse below reports the line
    }
  }
  let parsed: unknown
  try {
    parsed = parseJson(line)
  } catch (thrown) {
    return { kind: 'malformed', message: `not valid JSON: ${(thrown as Error).message}` }
  }
  return readLoggedEvent(parsed, line)
}
