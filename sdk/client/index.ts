// The HTTP client: asks a Clearance (or OPA) server over its REST API, caches decisions if asked, and answers every
// failure with a deny. Loads nothing of the engine and no policy dependency: `clearance/sdk` is this and the
// middleware, and a test holds that.
export { canonicalJson } from './canonical-json.js'
export { type CallOptions, type Client, type ClientOptions, createClient } from './client.js'
export {
  type CheckDecision,
  type DataDecision,
  type DecisionError,
  type DecisionOptions,
  deniedCheck,
  type FailureCode,
  failedData,
  failWith,
  type Obligation,
  PdpError,
  type Reason,
  type Revisions,
} from './decision.js'
export { createDecisionCache, type DecisionCache, type DecisionCacheOptions } from './decision-cache.js'
