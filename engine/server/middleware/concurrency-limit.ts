// Caps requests in flight. Past the cap a request is answered 429 at once instead of queueing behind the
// others, so overload shows up as fast refusals rather than as every caller's latency. Exempt paths (health,
// status) are neither refused nor counted.
import type { MiddlewareHandler } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'

/** One count of requests in flight, shared by the middleware below and the lean data route. */
export interface InFlightLimit {
  /** Counts one more request, or throws ClearanceError(too_many_requests) at the cap (and counts nothing). */
  enter(): void
  leave(): void
}

export function createInFlightLimit(max: number, onRejected?: () => void): InFlightLimit {
  let inFlight = 0
  return {
    enter() {
      if (inFlight >= max) {
        onRejected?.()
        throw new ClearanceError(
          ErrorCodes.tooManyRequests,
          `more than ${max} requests in flight; retry shortly`,
        )
      }
      inFlight++
    },
    leave() {
      inFlight--
    },
  }
}

export interface ConcurrencyLimitOptions {
  /** Paths never refused nor counted. */
  exempt?: ReadonlySet<string>
  /** With a number for `max` only; a shared limit was made with its own. */
  onRejected?: () => void
}

export function concurrencyLimit(
  max: number | InFlightLimit,
  options: ConcurrencyLimitOptions = {},
): MiddlewareHandler {
  const { exempt, onRejected } = options
  const limit = typeof max === 'number' ? createInFlightLimit(max, onRejected) : max
  return async (c, next) => {
    if (exempt?.has(c.req.path)) return next()
    limit.enter()
    try {
      await next()
    } finally {
      limit.leave()
    }
  }
}
