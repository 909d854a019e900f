// The verdict of Clearance's decision entrypoint ({allow, reasons, obligations}), shaped in one place for every
// face that answers it: the server's POST /v1/check and the SDK's in-process evaluator, so both give the same
// answer for the same input and revision. An input that fails the schema, an undefined decision and anything but
// a well-formed verdict are coded errors, never an allow.
import { ClearanceError, ErrorCodes } from '../errors.js'
import { encodeJson, isRecord, parseJson } from '../json/index.js'
import type { Decider, Decision, DecisionContext } from './decider.js'
import type { InputValidator } from './input-schema.js'

export interface VerdictReason {
  code: string
  message: string
}

export interface VerdictObligation {
  type: string
  [member: string]: unknown
}

export interface Verdict {
  allow: boolean
  reasons: VerdictReason[]
  obligations: VerdictObligation[]
}

export interface VerdictDeps {
  decider: Decider
  /** Decision entrypoint, e.g. "clearance/authz/decision". */
  checkPath: string
  /** Schema check of the input; none means every input reaches the policy. */
  validateInput?: InputValidator | undefined
}

export interface VerdictDecision {
  decision: Decision
  verdict: Verdict
}

const isReason = (value: unknown): value is VerdictReason =>
  isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string'

const isObligation = (value: unknown): value is VerdictObligation =>
  isRecord(value) && typeof value.type === 'string'

const dotted = (path: string): string => `data.${path.replaceAll('/', '.')}`

/** Checks the decision's value is {allow: boolean, reasons: [{code, message}], obligations: [{type, ...}]}. */
export function asVerdict(value: unknown, path: string): Verdict {
  if (
    !isRecord(value) ||
    typeof value.allow !== 'boolean' ||
    !Array.isArray(value.reasons) ||
    !value.reasons.every(isReason) ||
    !Array.isArray(value.obligations) ||
    !value.obligations.every(isObligation)
  ) {
    throw new ClearanceError(
      ErrorCodes.evaluationError,
      `decision ${dotted(path)} did not return {allow, reasons: [{code, message}], obligations: [{type}]}; denying`,
    )
  }
  return { allow: value.allow, reasons: value.reasons, obligations: value.obligations }
}

/** Throws invalid_parameter, naming every failing field, when the input does not match the schema. */
export function assertValidInput(validateInput: InputValidator | undefined, input: unknown): void {
  const problems = validateInput?.(input) ?? []
  if (problems.length > 0) {
    throw new ClearanceError(ErrorCodes.invalidParameter, 'input does not match the decision input schema', {
      details: problems,
    })
  }
}

/**
 * Validates `input` (a parsed JSON value), evaluates the decision entrypoint and checks its verdict. `encoded` is
 * `input`'s JSON text as bytes when the caller already has it, so it is not stringified twice. It must encode the
 * very value validated: not the raw request body, whose duplicate keys could parse one way here and another in
 * wasm. Throws ClearanceError.
 */
export async function decideVerdict(
  deps: VerdictDeps,
  input: unknown,
  encoded?: Uint8Array,
  context?: DecisionContext,
): Promise<VerdictDecision> {
  assertValidInput(deps.validateInput, input)
  const decision = await deps.decider.decide(deps.checkPath, encoded ?? encodeJson(input), undefined, context)
  return { decision, verdict: verdictOf(decision, deps.checkPath) }
}

function verdictOf(decision: Decision, checkPath: string): Verdict {
  if (!decision.outcome.defined) {
    throw new ClearanceError(
      ErrorCodes.evaluationError,
      `decision ${dotted(checkPath)} is undefined in the active bundles; denying`,
    )
  }
  return asVerdict(parseJson(decision.outcome.json), checkPath)
}
