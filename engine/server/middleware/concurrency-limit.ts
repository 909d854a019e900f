// Caps requests in flight. Past the cap a request is answered 429 at once instead of queueing behind the
// others, so overload shows up as fast refusals rather than as every caller's latency.
import type { MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'

export function concurrencyLimit(max: number, onRejected?: () => void): MiddlewareHandler {
  let inFlight = 0
  return async (_c, next) => {
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
