// Middleware that decides every request before its handler runs and enforces the answer: hono, Express, fastify
// and @grpc/grpc-js, all on one framework-independent guard and the client's types (no engine code).
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
  type ClearanceLocals,
  clearanceExpress,
  clearanceOf,
  type ExpressLikeMiddleware,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
} from './express-middleware.js'
export {
  type ClearanceFastifyPlugin,
  clearanceFastify,
  type FastifyLikeInstance,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  fastifyClearanceOf,
} from './fastify-plugin.js'
export {
  type ClearanceGrpcInterceptor,
  clearanceGrpc,
  type GrpcGuardOptions,
  grpcClearanceOf,
} from './grpc-interceptor.js'
export { type ClearanceVariables, clearanceHono } from './hono-middleware.js'
export { MASK, maskFields } from './mask-fields.js'
export { type RequestObligations, readObligations } from './obligations.js'
export { type PeerIdentity, peerIdentity, spiffeIdOf } from './peer-identity.js'
export {
  type Authorization,
  type Authorizer,
  createRequestGuard,
  type DenialBody,
  type DenialCode,
  type GuardLogger,
  type GuardOptions,
  type GuardResult,
  type RequestGuard,
} from './request-guard.js'
export { maskResponse } from './response-masking.js'
export { catalogTemplate, createRouteMatcher, type RouteMatcher } from './route-template.js'
export type { DecisionSpan, DecisionTracer } from './tracing.js'
