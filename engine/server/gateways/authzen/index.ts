// AuthZEN 1.0: the OpenID Authorization API's evaluation endpoints and metadata.

export { type Evaluation, parseEvaluation, parseEvaluations, SEMANTICS } from './authzen-request.js'
export {
  type AuthzenDeps,
  CONFIGURATION_ROUTE,
  EVALUATION_ROUTE,
  EVALUATIONS_ROUTE,
  registerAuthzenRoutes,
} from './authzen-routes.js'
