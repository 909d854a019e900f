// What every route needs, handed in by createApp.
import type { Logger } from 'pino'
import type { Decider } from '../../decision/decider.js'

export interface HttpConfig {
  /** Path of the decision POST / answers, e.g. "system/main". */
  defaultDecision: string
  maxBodyBytes: number
}

export interface RouteDeps {
  decider: Decider
  config: HttpConfig
  log: Logger
  version: string
}
