// `clearance/sdk/local`: in-process decisions from the same bundles `clearance serve` loads, on the engine's
// public surface. The decision types are the HTTP client's, so code can switch between the two.
export { ClearanceError, type ErrorCode } from '../../engine/index.js'
export type {
  CheckDecision,
  DataDecision,
  DecisionError,
  DecisionOptions,
  FailureCode,
  Obligation,
  Reason,
  Revisions,
} from '../client/index.js'
export { PdpError } from '../client/index.js'
export {
  type ActivationEvent,
  type BundleErrorEvent,
  createLocalEvaluator,
  type LocalDecision,
  type LocalEvaluator,
  type LocalEvaluatorEvents,
  type LocalEvaluatorOptions,
} from './local-evaluator.js'
export type { ShadowDivergence, ShadowStatus } from './local-shadow.js'
