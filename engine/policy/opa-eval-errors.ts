// Evaluation failures in OPA's shape. The wasm runtime reports a conflict as "<file>:<row>:<col>: var assignment
// conflict" (or object insert / function output conflicts); OPA's server answers those as 500 internal_error,
// "error(s) occurred while evaluating query", with one `errors[]` entry of code eval_conflict_error and its
// location. A builtin that failed under ?strict-builtin-errors ("eval_builtin_error: <builtin>: <why>", from
// @clearance/rego-builtins) is answered the same way with an eval_builtin_error entry (no location: the host is not
// told where the call is). Anything else stays an evaluation_error with the runtime's message.
import { BUILTIN_ERROR_PREFIX } from '@clearance/rego-builtins'
import { ClearanceError, ErrorCodes } from '../errors.js'

const CONFLICT =
  /^(?<file>.+?):(?<row>\d+):(?<col>\d+): (?<what>var assignment conflict|object insert conflict|functions must not produce multiple outputs for same inputs)/

export const EVAL_QUERY_ERRORS = 'error(s) occurred while evaluating query'

/** The coded error for a failed evaluation whose runtime message is `message`. */
export function evaluationFailure(message: string, options?: { cause?: unknown }): ClearanceError {
  if (message.startsWith(BUILTIN_ERROR_PREFIX)) {
    return new ClearanceError(ErrorCodes.internalError, `${EVAL_QUERY_ERRORS}: ${message}`, {
      ...options,
      details: [{ code: 'eval_builtin_error', message: message.slice(BUILTIN_ERROR_PREFIX.length) }],
    })
  }
  const conflict = CONFLICT.exec(message)?.groups
  if (conflict === undefined) return new ClearanceError(ErrorCodes.evaluationError, message, options)
  const location = { file: conflict.file!, row: Number(conflict.row), col: Number(conflict.col) }
  // OPA's message, followed by the runtime's words (callers that match on "conflict" keep working).
  return new ClearanceError(ErrorCodes.internalError, `${EVAL_QUERY_ERRORS}: ${message}`, {
    ...options,
    details: [
      {
        code: 'eval_conflict_error',
        message: `rule at ${location.file}:${location.row} produced conflicting values: ${conflict.what}`,
        location,
      },
    ],
  })
}
