// The decisions the SDK hands to services, the same whether they came over HTTP or from the in-process evaluator,
// and the fail-closed answer for every way a decision can fail: a deny carrying the reason it failed, never an
// exception a caller could forget to catch (unless the caller asked for throwing). Knows nothing of the engine, so
// the HTTP client can be used without loading it.

export interface Reason {
  code: string
  message: string
}

/** What the caller must still do when it is allowed: audit, mask_fields, rate_limit, restrict_to_owner, … */
export interface Obligation {
  type: string
  [member: string]: unknown
}

/** Bundle name → revision of every bundle that made a decision. */
export type Revisions = Readonly<Record<string, string>>

/** Why no decision could be made. Each one is answered with a deny. */
export type FailureCode =
  /** The PDP could not be reached, refused the connection, or answered 502/503/504 (after retries). */
  | 'pdp_unavailable'
  /** No answer within the call's time budget. */
  | 'pdp_timeout'
  /** The PDP answered with an error: an input it refused (400), an evaluation error (500), … */
  | 'pdp_error'
  /** The PDP's answer was not the decision it should be (not JSON, wrong shape). */
  | 'pdp_bad_response'

export interface DecisionError {
  code: FailureCode
  message: string
  /** HTTP status of the PDP's answer, when there was one. */
  status?: number | undefined
  /** The PDP's own error code (OPA's `code`), e.g. invalid_parameter or evaluation_error. */
  pdpCode?: string | undefined
  /** The PDP's error details, e.g. each schema violation of an input it refused. */
  details?: Reason[] | undefined
}

/** The answer of Clearance's decision entrypoint: POST /v1/check, or the local evaluator's check(). */
export interface CheckDecision {
  /** Undefined when no decision was made (see `error`). */
  decisionId: string | undefined
  allow: boolean
  reasons: Reason[]
  /** Always empty when denied. */
  obligations: Obligation[]
  revisions: Revisions
  /** Set when the decision failed and this deny is the fail-closed answer. */
  error?: DecisionError | undefined
  /** True when the answer came from the client's decision cache (its id is the original decision's). */
  cached?: boolean | undefined
}

/** The answer of OPA's Data API for one document. */
export interface DataDecision<T = unknown> {
  decisionId: string | undefined
  /** Undefined when the document is undefined, and when the decision failed (see `error`). */
  result: T | undefined
  revisions: Revisions
  error?: DecisionError | undefined
  cached?: boolean | undefined
}

export interface DecisionOptions {
  /** Throw a PdpError instead of answering a failure with a deny (default false). */
  throwOnError?: boolean | undefined
}

/** Thrown instead of the fail-closed answer when the caller asked for throwOnError. */
export class PdpError extends Error {
  readonly code: FailureCode
  readonly error: DecisionError

  constructor(error: DecisionError) {
    super(error.message)
    this.name = 'PdpError'
    this.code = error.code
    this.error = error
  }
}

const NO_REVISIONS: Revisions = Object.freeze({})

/** Reasons for a failure: the failure itself, then each detail the PDP gave (e.g. each schema violation). */
function failureReasons(error: DecisionError): Reason[] {
  const reasons: Reason[] = [{ code: error.code, message: error.message }]
  for (const detail of error.details ?? []) reasons.push({ code: detail.code, message: detail.message })
  return reasons
}

/** The fail-closed answer of a check that could not be decided. */
export function deniedCheck(error: DecisionError): CheckDecision {
  return {
    decisionId: undefined,
    allow: false,
    reasons: failureReasons(error),
    obligations: [],
    revisions: NO_REVISIONS,
    error,
  }
}

/** The fail-closed answer of a document read that could not be decided: no result. */
export function failedData<T>(error: DecisionError): DataDecision<T> {
  return { decisionId: undefined, result: undefined, revisions: NO_REVISIONS, error }
}

/** Either throws (throwOnError) or returns the fail-closed answer. */
export function failWith<D>(
  error: DecisionError,
  options: DecisionOptions,
  answer: (e: DecisionError) => D,
): D {
  if (options.throwOnError === true) throw new PdpError(error)
  return answer(error)
}
