export {
  type ActivatedInfo,
  type ActivationStatus,
  type BundleStatus,
  createActivationStatus,
  type FailureInfo,
  type TrackOptions,
} from './activation-status.js'
export {
  type BundleChange,
  type BundleRegistry,
  type ChangeOutcome,
  createBundleRegistry,
} from './bundle-registry.js'
export { type Clock, systemClock, type TimerHandle } from './clock.js'
export { type ActivationListener, createPolicyRegistry, type PolicyRegistry } from './policy-registry.js'
export { isFatalEvaluationError, smokeEvaluate } from './smoke-evaluation.js'
