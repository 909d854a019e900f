// GET /v1/shadow/divergences?limit=N — the last N decisions on which the shadow bundle answered differently from
// the enforced one, newest first, masked as the decision log masks them. Behind the API's authentication.
import type { Hono } from 'hono'
import { ClearanceError, ErrorCodes } from '../../errors.js'

export interface ShadowRouteDeps {
  shadowDivergences: (limit: number) => unknown[]
}

const DEFAULT_LIMIT = 20

export function registerShadowRoute(app: Hono, deps: ShadowRouteDeps): void {
  app.get('/v1/shadow/divergences', (c) => {
    const raw = c.req.query('limit')
    const limit = raw === undefined ? DEFAULT_LIMIT : Number(raw)
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ClearanceError(
        ErrorCodes.invalidParameter,
        `limit must be a non-negative integer, not "${raw}"`,
      )
    }
    return c.json({ result: deps.shadowDivergences(limit) })
  })
}
