// What every route needs, handed in by createApp.
import type { Logger } from 'pino'
import type { Decider } from '../../decision/index.js'
import type { JsonShapeLimits } from '../../json/index.js'

export interface HttpConfig {
  /** Path of the decision POST / answers, e.g. "system/main". */
  defaultDecision: string
  maxBodyBytes: number
  /** Bounds on request JSON: nesting depth and number of values. */
  json: JsonShapeLimits
}

export interface RouteDeps {
  decider: Decider
  config: HttpConfig
  log: Logger
  version: string
}
