// Caps requests in flight. Past the cap a request is answered 429 at once instead of queueing behind the
// others, so overload shows up as fast refusals rather than as every caller's latency. Exempt paths (health,
// status) are neither refused nor counted.
import type { MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'

export interface ConcurrencyLimitOptions {
  /** Paths never refused nor counted. */
  exempt?: ReadonlySet<string>
  onRejected?: () => void
}

export function concurrencyLimit(max: number, options: ConcurrencyLimitOptions = {}): MiddlewareHandler {
  const { exempt, onRejected } = options
  let inFlight = 0
  return async (c, next) => {
    if (exempt?.has(c.req.path)) return next()
    if (inFlight >= max) {
      onRejected?.()
      throw new ClearanceError(
        ErrorCodes.tooManyRequests,
        `more than ${max} requests in flight; retry shortly`,
      )
    }
    inFlight++
    try {
      await next()
    } finally {
      inFlight--
    }
  }
}
