// The decision step of OPA's Data API, shared by the hono routes (data-routes.ts) and the lean POST route that
// reads the Node request directly (../lean-data-route.ts): the body's input, the decision, OPA's timers and the
// answer's text. Transport (reading the body, writing the answer, errors to HTTP) stays with the callers.
import { ClearanceError, ErrorCodes } from '../../errors.js'
import { ESCAPED_KEY, encodeJson, isRecord, topLevelMemberSpan } from '../../json/index.js'
import { dataResponseText, MISSING_INPUT_WARNING, type Warning } from '../decision-response.js'
import { isBlank } from '../request-body.js'
import { decodeRequestDocument } from '../request-document.js'
import type { RouteDeps } from './route-deps.js'

export const nowNs = (): number => Number(process.hrtime.bigint())

export interface RequestInput {
  input: Uint8Array | undefined
  warning: Warning | undefined
}

const NO_INPUT: RequestInput = { input: undefined, warning: MISSING_INPUT_WARNING }

/**
 * The input of a POST body `{"input": ...}` (JSON, or YAML by its Content-Type): the JSON's own bytes where they
 * are exactly what the policy should read, not a re-encoding of what was parsed.
 */
export function inputFromBody(
  bytes: Uint8Array,
  contentType: string | undefined,
  deps: RouteDeps,
): RequestInput {
  if (isBlank(bytes)) return NO_INPUT
  const { value: body, bytesExact } = decodeRequestDocument(
    contentType,
    bytes,
    'input document',
    deps.config.json,
  )
  if (!isRecord(body)) {
    throw new ClearanceError(
      ErrorCodes.invalidParameter,
      'body must be a JSON object of the form {"input": ...}',
    )
  }
  if (!Object.hasOwn(body, 'input')) return NO_INPUT
  const span = bytesExact ? topLevelMemberSpan(bytes, 'input') : undefined
  const input =
    span === undefined || span === ESCAPED_KEY ? encodeJson(body.input) : bytes.subarray(span.start, span.end)
  return { input, warning: undefined }
}

export interface DataQuestion {
  /** The decision path, normalized (policy/ normalizePath). */
  path: string
  /** ?pretty */
  pretty: boolean
  /** ?metrics or ?instrument: OPA's timers in the answer. */
  metrics: boolean
  /** The client's "ip:port", for the decision log and the evaluation's fair share. */
  requestedBy: string | undefined
  /** When handling began (nowNs()), before the input was read. */
  startedNs: number
  /** ?strict-builtin-errors */
  strictBuiltinErrors: boolean
  /** ?provenance */
  provenance: boolean
}

/** Decides and writes the answer's JSON text; throws a ClearanceError when no decision can be made. */
export async function answerData(
  deps: RouteDeps,
  question: DataQuestion,
  read: RequestInput,
): Promise<string> {
  // OPA's timers cost a clock read each: taken only when asked for.
  const parsed = question.metrics ? nowNs() : 0
  const decision = await deps.decider.decide(question.path, read.input, undefined, {
    requestedBy: question.requestedBy,
    strictBuiltinErrors: question.strictBuiltinErrors,
  })
  const metrics = question.metrics
    ? {
        timer_rego_input_parse_ns: parsed - question.startedNs,
        timer_rego_query_eval_ns: decision.evalNs,
        timer_server_handler_ns: nowNs() - question.startedNs,
      }
    : undefined
  return dataResponseText(decision, {
    pretty: question.pretty,
    metrics,
    warning: read.warning,
    version: deps.version,
    provenance: question.provenance,
  })
}
