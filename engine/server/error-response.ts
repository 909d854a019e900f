// The one place where errors become HTTP answers, in OPA's error body: {"code", "message", "errors"?}.
// Anything that is not a ClearanceError is an internal error whose details stay in the log, never in the reply.
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { ClearanceError, type ErrorCode, ErrorCodes } from '../errors.js'

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_parameter: 400,
  undefined_document: 404,
  evaluation_error: 500,
  internal_error: 500,
  resource_not_found: 404,
  method_not_allowed: 405,
  resource_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  too_many_requests: 429,
  bundle_error: 500,
  config_error: 500,
  build_error: 500,
  not_compiled: 501,
  not_supported: 501,
}

export interface ErrorBody {
  code: string
  message: string
  errors?: Array<{ code: string; message: string }>
}

export function statusOf(error: ClearanceError): ContentfulStatusCode {
  return STATUS[error.code]
}

/** The OPA error body and status for anything thrown while handling a request. */
export function describeError(
  thrown: unknown,
  log: Logger,
): { status: ContentfulStatusCode; body: ErrorBody } {
  if (thrown instanceof ClearanceError) {
    const body: ErrorBody = { code: thrown.code, message: thrown.message }
    if (thrown.details !== undefined && thrown.details.length > 0) body.errors = thrown.details
    if (thrown.code === ErrorCodes.internalError || thrown.code === ErrorCodes.evaluationError) {
      log.warn({ err: thrown, code: thrown.code }, 'request failed')
    }
    return { status: statusOf(thrown), body }
  }
  log.error({ err: thrown }, 'unexpected error while handling a request')
  return { status: 500, body: { code: ErrorCodes.internalError, message: 'internal error' } }
}

export function errorResponse(c: Context, thrown: unknown, log: Logger): Response {
  const { status, body } = describeError(thrown, log)
  return c.json(body, status)
}
