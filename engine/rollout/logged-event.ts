// Reads one decision-log event as Clearance and OPA write it (OPA's EventV1: decision_id, path, input, result,
// error, erased, masked, bundles; OPA's console logger adds level/msg/time around the same members) and says
// whether it can be replayed. An input that was erased or masked, in whole or in part, cannot be: the decision
// was made on values the log no longer holds, and replay never guesses them.
import { isRecord, stringifyJson } from '../json/json-codec.js'
import { topLevelMember } from '../json/json-member.js'
import type { DecisionAnswer } from './decision-change.js'

export interface ReplayableEvent {
  kind: 'replayable'
  decisionId: string
  path: string
  /** The input's JSON text as logged; undefined when the decision had no input. */
  inputText: string | undefined
  input: unknown
  /** What the log says was answered; undefined when the log's result was erased or masked (needs --baseline). */
  logged: DecisionAnswer | undefined
  loggedValue: unknown
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
  if (!isRecord(bundles)) return revisions
  for (const [name, info] of Object.entries(bundles)) {
    if (isRecord(info) && typeof info.revision === 'string') revisions[name] = info.revision
  }
  return revisions
}

/** Classifies an already parsed event; `text` is its JSON text when it came as one line (the input is cut from it). */
export function readLoggedEvent(event: unknown, text?: string): LoggedEvent {
  if (!isRecord(event)) return { kind: 'malformed', message: 'not a JSON object' }
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
  else if (isRecord(event.error)) {
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
    revisions: revisionsOf(event.bundles),
  }
}
