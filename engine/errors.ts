// The error vocabulary of Clearance. Codes follow OPA's REST API where OPA has one, so clients that switch on
// `code` keep working; http/error-response.ts is the one place that turns these into HTTP answers.

export const ErrorCodes = {
  invalidParameter: 'invalid_parameter',
  undefinedDocument: 'undefined_document',
  evaluationError: 'evaluation_error',
  internalError: 'internal_error',
  resourceNotFound: 'resource_not_found',
  methodNotAllowed: 'method_not_allowed',
  resourceTooLarge: 'resource_too_large',
  unauthorized: 'unauthorized',
  /** Authenticated, but the credentials do not cover this route (a bearer token's scopes). */
  forbidden: 'forbidden',
  tooManyRequests: 'too_many_requests',
  bundleError: 'bundle_error',
  configError: 'config_error',
  buildError: 'build_error',
  /** A data path that is Rego the bundle's wasm does not compile (not an entrypoint). */
  notCompiled: 'not_compiled',
  /** An OPA API a wasm PDP cannot serve (ad-hoc queries, partial evaluation). */
  notSupported: 'not_supported',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export interface ErrorDetail {
  code: string
  message: string
  location?: { file: string; row: number; col: number }
}

export class ClearanceError extends Error {
  readonly code: ErrorCode
  readonly details: ErrorDetail[] | undefined

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ErrorDetail[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ClearanceError'
    this.code = code
    this.details = options?.details
  }
}

/** Turns whatever was thrown (opa-wasm throws strings and plain objects) into a readable message. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message
  if (typeof thrown === 'string') return thrown
  if (thrown !== null && typeof thrown === 'object' && 'message' in thrown) {
    return String((thrown as { message: unknown }).message)
  }
  try {
    return JSON.stringify(thrown) ?? String(thrown)
  } catch {
    return String(thrown)
  }
}

/** Rethrows anything as a coded ClearanceError, keeping the original as `cause`. */
export function toClearanceError(thrown: unknown, code: ErrorCode, prefix?: string): ClearanceError {
  if (thrown instanceof ClearanceError) return thrown
  const message = describeThrown(thrown)
  return new ClearanceError(code, prefix === undefined ? message : `${prefix}: ${message}`, { cause: thrown })
}
