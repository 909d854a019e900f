// Clearance for services: the HTTP client, the in-process evaluator, and middleware for hono and Express that
// builds the decision input from a request, decides, and enforces the answer.
export { ClearanceError, type ErrorCode } from '../engine/errors.js'
export { canonicalJson } from './canonical-json.js'
export { type CallOptions, type Client, type ClientOptions, createClient } from './client.js'
export {
  type CheckDecision,
  type DataDecision,
  type DecisionError,
  type DecisionOptions,
  type FailureCode,
  type Obligation,
  PdpError,
  type Reason,
  type Revisions,
} from './decision.js'
export { createDecisionCache, type DecisionCache, type DecisionCacheOptions } from './decision-cache.js'
export {
  type Connection,
  createInputBuilder,
  type DecisionInput,
  type InputBuilder,
  type InputOptions,
  type Operation,
  type RequestFacts,
  type Resource,
  type ServiceSubject,
  type UserSubject,
} from './decision-input.js'
export {
  clearanceExpress,
  clearanceOf,
  type ExpressLikeMiddleware,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
} from './express-middleware.js'
export { type ClearanceVariables, clearanceHono } from './hono-middleware.js'
export {
  createLocalEvaluator,
  type LocalDecision,
  type LocalEvaluator,
  type LocalEvaluatorOptions,
} from './local-evaluator.js'
export type { ShadowDivergence, ShadowStatus } from './local-shadow.js'
export { MASK, maskFields } from './mask-fields.js'
export { type RequestObligations, readObligations } from './obligations.js'
export { type PeerIdentity, peerIdentity, spiffeIdOf } from './peer-identity.js'
export {
  type Authorization,
  type Authorizer,
  createRequestGuard,
  type DenialBody,
  type GuardOptions,
  type GuardResult,
  type RequestGuard,
} from './request-guard.js'
export { catalogTemplate, createRouteMatcher, type RouteMatcher } from './route-template.js'
