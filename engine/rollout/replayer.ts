// Re-decides logged decisions with a candidate policy set and tallies what changed. The same code runs in every
// replay worker thread; each holds its own policy sets (the engine's, loaded from the bundle files), so replay
// decides exactly as `clearance serve` would with the candidate bundle.
import { describeThrown } from '../errors.js'
import { isRecord, parseJson } from '../json/index.js'
import type { PolicySet } from '../policy/index.js'
import { classifyChange, type DecisionAnswer, type DecisionChange, reasonCodesOf } from './decision-change.js'
import { type LoggedEvent, readLoggedEvent, readLoggedLine } from './logged-event.js'
import { type Tally, tallyMalformed, tallyNotReplayable, tallyReplayed } from './replay-tally.js'

/** A piece of a log: whole lines of a JSON-lines file, or one JSON array of events (a collector's upload). */
export type LogChunk =
  | { kind: 'lines'; file: string; fileIndex: number; firstLine: number; text: string }
  | { kind: 'array'; file: string; fileIndex: number; text: string }
  /** The rest of the file could not be read (a corrupt gzip stream): counted as one malformed entry. */
  | { kind: 'error'; file: string; fileIndex: number; at: string; message: string }

export interface Replayer {
  replayChunk(tally: Tally, chunk: LogChunk): Promise<void>
}

const LINE_ORDER = 1e10
const encoder = new TextEncoder()

async function answerOf(
  set: PolicySet,
  path: string,
  input: Uint8Array | undefined,
): Promise<DecisionAnswer> {
  try {
    const outcome = await set.evaluate(path, input)
    return outcome.defined ? { kind: 'result', json: outcome.json } : { kind: 'undefined' }
  } catch (thrown) {
    const code = isRecord(thrown) && typeof thrown.code === 'string' ? thrown.code : 'evaluation_error'
    return { kind: 'error', code, message: describeThrown(thrown) }
  }
}

/** The reason codes of the new answer (its error code when it failed). */
function reasonsOf(answer: DecisionAnswer): string[] {
  if (answer.kind === 'error') return [answer.code]
  if (answer.kind === 'undefined') return ['undefined']
  return reasonCodesOf(parseJson(answer.json))
}

/** Catalog identity → service name, to name callers in the report (data.clearance.catalog.identities). */
function identitiesOf(set: PolicySet): Record<string, string> {
  const catalog = (set.dataDocument() as { clearance?: { catalog?: { identities?: unknown } } }).clearance
    ?.catalog
  const identities = catalog?.identities
  const names: Record<string, string> = {}
  if (!isRecord(identities)) return names
  for (const [id, service] of Object.entries(identities)) if (typeof service === 'string') names[id] = service
  return names
}

/** "caller → callee → operation" of a Clearance decision input; undefined for any other input. */
export function routeOf(input: unknown, identities: Readonly<Record<string, string>>): string | undefined {
  if (!isRecord(input) || !isRecord(input.target) || !isRecord(input.subject)) return undefined
  const { subject, target } = input
  if (typeof target.service !== 'string') return undefined
  const operation = isRecord(target.operation)
    ? typeof target.operation.rpc === 'string'
      ? target.operation.rpc
      : `${String(target.operation.method)} ${String(target.operation.path)}`
    : '?'
  let caller: string
  if (subject.type === 'user') {
    caller = typeof subject.id === 'string' ? `user ${subject.id}` : 'anonymous user'
  } else {
    const id = typeof subject.spiffe_id === 'string' ? subject.spiffe_id : subject.cert_fingerprint
    caller = typeof id === 'string' ? (identities[id] ?? id) : 'unknown service'
  }
  return `${caller} → ${target.service} → ${operation}`
}

export function createReplayer({
  candidate,
  baseline,
}: {
  candidate: PolicySet
  /** Re-decides the baseline with this set instead of reading it from the log. */
  baseline?: PolicySet | undefined
}): Replayer {
  const identities = identitiesOf(candidate)

  const tallyLogged = async (
    tally: Tally,
    logged: LoggedEvent,
    line: string | undefined,
    at: string,
    order: number,
  ): Promise<void> => {
    if (logged.kind === 'ignored') {
      tally.counts.ignored++
      return
    }
    tally.counts.read++
    if (logged.kind === 'malformed') {
      tallyMalformed(tally, at, logged.message, order)
      return
    }
    if (logged.kind === 'not_replayable') {
      tallyNotReplayable(tally, logged.reason)
      return
    }
    const input = logged.inputText === undefined ? undefined : encoder.encode(logged.inputText)
    let before = logged.logged
    let beforeValue = logged.loggedValue
    if (baseline !== undefined) {
      before = await answerOf(baseline, logged.path, input)
      beforeValue = undefined
    } else if (before === undefined) {
      tallyNotReplayable(tally, 'result erased or masked (replay with --baseline)')
      return
    }
    const after = await answerOf(candidate, logged.path, input)
    let change: DecisionChange
    try {
      change = classifyChange(before, after, beforeValue)
    } catch (thrown) {
      tallyMalformed(tally, at, `not valid JSON: ${describeThrown(thrown)}`, order)
      return
    }
    let parsedInput = logged.input
    if (change !== 'unchanged' && logged.scanned && line !== undefined) {
      // only the members were scanned: a change is reported for a line that parses whole, and only then
      try {
        parsedInput = (parseJson(line) as { input?: unknown }).input
      } catch (thrown) {
        tallyMalformed(tally, at, `not valid JSON: ${describeThrown(thrown)}`, order)
        return
      }
    }
    tallyReplayed(tally, {
      path: logged.path,
      change,
      route: change === 'unchanged' ? undefined : routeOf(parsedInput, identities),
      reasons: change === 'unchanged' ? [] : reasonsOf(after),
      example: { decisionId: logged.decisionId, at, order },
    })
  }

  const replayEvent = (tally: Tally, event: unknown, at: string, order: number): Promise<void> =>
    tallyLogged(tally, readLoggedEvent(event), undefined, at, order)

  const replayLine = (tally: Tally, line: string, at: string, order: number): Promise<void> =>
    tallyLogged(tally, readLoggedLine(line), line, at, order)

  return {
    async replayChunk(tally, chunk) {
      const base = chunk.fileIndex * LINE_ORDER
      if (chunk.kind === 'error') {
        tally.counts.read++
        tallyMalformed(tally, chunk.at, chunk.message, base + LINE_ORDER - 1)
        return
      }
      if (chunk.kind === 'array') {
        let events: unknown
        try {
          events = parseJson(chunk.text)
        } catch (thrown) {
          tally.counts.read++
          tallyMalformed(tally, chunk.file, `not a valid JSON array: ${describeThrown(thrown)}`, base)
          return
        }
        if (!Array.isArray(events)) {
          tally.counts.read++
          tallyMalformed(tally, chunk.file, 'not a JSON array of events', base)
          return
        }
        for (const [index, event] of events.entries()) {
          await replayEvent(tally, event, `${chunk.file}#${index}`, base + index)
        }
        return
      }
      let line = chunk.firstLine
      let start = 0
      const { text } = chunk
      while (start < text.length) {
        let end = text.indexOf('\n', start)
        if (end < 0) end = text.length
        const raw = text.slice(start, end).trim()
        if (raw !== '') await replayLine(tally, raw, `${chunk.file}:${line}`, base + line)
        line++
        start = end + 1
      }
    },
  }
}
