// `clearance/sdk`: the HTTP client and the middleware (hono, Express, fastify, @grpc/grpc-js). Loads no engine code
// and no policy dependency (test/package/packed-package.test.ts holds that); in-process decisions are
// `clearance/sdk/local`.
export {
  type CallOptions,
  type CheckDecision,
  type Client,
  type ClientOptions,
  canonicalJson,
  createClient,
  createDecisionCache,
  type DataDecision,
  type DecisionCache,
  type DecisionCacheOptions,
  type DecisionError,
  type DecisionOptions,
  type FailureCode,
  type Obligation,
  PdpError,
  type Reason,
  type Revisions,
} from './client/index.js'
export * from './middleware/index.js'
